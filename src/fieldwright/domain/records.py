"""Records in motion: where a record came from, and what sources and sinks promise.

The engine and the runs only know these protocols, never which connector
(CSV, JSON, Excel, SQL, HTTP) is behind them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ChunkReader",
    "Position",
    "Record",
    "RecordSink",
    "RecordSource",
    "RejectedRecord",
    "SourceChunk",
    "SourceItem",
    "holds_non_finite",
]

#: A record as the engine sees it: a JSON object.
Record = dict[str, Any]


# Position and SourceItem are created once per record read, so they are plain
# slotted dataclasses (a frozen one costs three times as much to create).
# Treat them as read-only.


@dataclass(slots=True)
class Position:
    """Where a record sits in its source, in the words an analyst would look for it."""

    line: int | None = None  #: 1-based line of a text file
    offset: int | None = None  #: byte offset in a file, when lines do not apply
    sheet: str | None = None  #: Excel sheet name
    row: int | None = None  #: 1-based row of a sheet or table
    page: int | None = None  #: 1-based page of a paginated API
    index: int | None = None  #: 0-based index in an array, a page or a batch

    def __str__(self) -> str:
        parts: list[str] = []
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.index is not None:
            parts.append(f"item {self.index}")
        return ", ".join(parts) or "unknown position"

    def as_dict(self) -> dict[str, Any]:
        return {
            name: getattr(self, name) for name in self.__slots__ if getattr(self, name) is not None
        }


@dataclass(slots=True)
class SourceItem:
    """One record read from a source, or the reason it could not be read.

    An unreadable item (``record is None``) counts as read and failed: it is
    not the end of the run, and it reaches the dead letters with its position.
    """

    position: Position
    record: Record | None
    error: str | None = None
    #: The raw text of an unreadable record, kept for the dead letters.
    raw: str | None = None


class SourceChunk:
    """Records read together, and where each came from: what the row engine maps.

    `records` holds each record, None where one could not be read. The SourceItem of a
    record (its position, for a dead letter or a record the sink refuses) is made only
    when asked for: a reader that counts lines gives their numbers and byte offsets, and
    the unreadable items as it made them; other sources give their items (`of_items`).
    """

    __slots__ = ("_items", "_lines", "_offsets", "_unreadable", "records")

    def __init__(
        self,
        records: list[Record | None],
        lines: list[int],
        offsets: list[int],
        unreadable: dict[int, SourceItem],
    ) -> None:
        self.records = records
        self._lines = lines
        self._offsets = offsets
        self._unreadable = unreadable
        self._items: Sequence[SourceItem] | None = None

    @classmethod
    def of_items(cls, items: Sequence[SourceItem]) -> SourceChunk:
        """A chunk of items already made."""
        chunk = cls([item.record for item in items], [], [], {})
        chunk._items = items
        return chunk

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> SourceItem:
        if self._items is not None:
            return self._items[index]
        unreadable = self._unreadable.get(index)
        if unreadable is not None:
            return unreadable
        return SourceItem(Position(self._lines[index], self._offsets[index]), self.records[index])

    def __iter__(self) -> Iterator[SourceItem]:
        if self._items is not None:
            yield from self._items
            return
        unreadable = self._unreadable
        rows = zip(self.records, self._lines, self._offsets, strict=True)
        for index, (record, line, offset) in enumerate(rows):
            if record is None:
                yield unreadable[index]
            else:
                yield SourceItem(Position(line, offset), record)


class ChunkReader(Protocol):
    """Reads a source a chunk at a time (see SourceChunk): `read(size)` gives the next
    `size` records or fewer, None at the end."""

    def read(self, size: int) -> SourceChunk | None: ...


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record of a batch that a sink could not write, and why; the rest were written."""

    index: int  #: 0-based, in the batch given to `write_batch`
    reason: str
    field: str | None = None  #: the column or JSON path of the value, when one is to blame


@runtime_checkable
class RecordSource(Protocol):
    """Streams records with their positions; knows its name for messages."""

    @property
    def name(self) -> str: ...

    def __iter__(self) -> Iterator[SourceItem]: ...

    def close(self) -> None: ...


@runtime_checkable
class RecordSink(Protocol):
    """Accepts batches of records, then either commits all of them or none.

    A sink that fails or is aborted half-way leaves its target as it was
    before the run (file sinks write a temporary file and rename it on
    commit; SQL sinks commit per batch into a staging table or the target).
    A sink that cannot take back what it already committed (a SQL table
    without staging, an HTTP API) has an integer attribute
    `kept_after_abort`: how many records stay written after `abort()`.

    `write_batch` writes every record it can; a record holding a value the
    sink cannot encode (a file sink's JSON, text encoding or cell) is
    returned as a `RejectedRecord` instead of failing the batch. None or an
    empty list: all were written.
    """

    @property
    def name(self) -> str: ...

    def write_batch(self, records: Sequence[Record]) -> Sequence[RejectedRecord] | None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


def holds_non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in `value`, at any depth (iteratively):
    JSON cannot hold one (orjson writes it as null). Quick on flat records: text, numbers
    and null are passed over with a type check each, and ``x - x`` is 0.0 (false) only for
    a finite x."""
    stack: list[Any] = [(value,)]
    while stack:
        for item in stack.pop():
            kind = type(item)
            if kind is str or item is None:
                continue
            if kind is float:
                if item - item:
                    return True
            elif kind is dict:
                stack.append(item.values())
            elif kind is list:
                stack.append(item)
            elif kind is int or kind is bool:
                continue
            elif isinstance(item, float):
                if item - item:
                    return True
            elif isinstance(item, dict):
                stack.append(item.values())
            elif isinstance(item, list | tuple | set | frozenset):
                stack.append(item)
    return False
