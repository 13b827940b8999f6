"""JSON files: NDJSON and JSON-array sources (streamed) and sinks (atomic)."""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, Any

import orjson

from fieldwright.connectors._jsonerrors import (
    as_written,
    describe_json_error,
    dumps_exact,
    duplicate_key,
    exact_integers,
)
from fieldwright.connectors._jsonscan import EXCERPT_BYTES, UNPARSED, Broken, ElementScanner
from fieldwright.connectors._text import open_binary
from fieldwright.connectors._unwritable import holds_non_finite, json_problem
from fieldwright.connectors.atomic import FileSink
from fieldwright.connectors.errors import ConnectorError, SourceUnreadable
from fieldwright.connectors.hints import where_to_set
from fieldwright.domain.records import (
    ChunkReader,
    Position,
    Record,
    RejectedRecord,
    SourceChunk,
    SourceItem,
)

__all__ = ["JsonArraySink", "JsonArraySource", "NdjsonSink", "NdjsonSource"]

_KINDS = {
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _kind(value: object) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def _raw(line: bytes) -> str:
    return line.decode("utf-8", "backslashreplace")


#: The default of `max_depth`: how deeply a record's objects and arrays may nest.
MAX_DEPTH = 512
#: orjson refuses anything deeper than this, so `max_depth` cannot go beyond.
_DEEPEST = 1000
#: The default of `max_record_size`: the longest record kept, in bytes.
MAX_RECORD_SIZE = 64 * 1024 * 1024


def _check_limits(target: str, max_depth: int, max_record_size: int) -> None:
    if type(max_depth) is not int or not 1 <= max_depth <= _DEEPEST:
        raise ConnectorError(
            f"max_depth must be a whole number from 1 to {_DEEPEST}, not {max_depth!r}",
            target=target,
        )
    if type(max_record_size) is not int or max_record_size < 1:
        raise ConnectorError(
            f"max_record_size must be a positive number of bytes, not {max_record_size!r}",
            target=target,
        )


class _Records:
    """Turns the bytes of one record into a record, or the reason it is unreadable."""

    def __init__(self, check_duplicate_keys: bool) -> None:
        self.check_duplicate_keys = check_duplicate_keys

    def parse(self, data: bytes) -> tuple[Record | None, int, str]:
        """(the record, 0, "") or (None, byte offset in `data`, reason)."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            at, reason = describe_json_error(exc, data)
            return None, at, f"invalid JSON: {reason}"
        if type(value) is not dict:
            return None, 0, f"expected a JSON object, got {_kind(value)}"
        key = duplicate_key(value, data) if self.check_duplicate_keys else None
        if key is not None:
            return None, 0, f"duplicate key {key!r} in an object"
        return exact_integers(value, data), 0, ""


class NdjsonSource:
    """Records of a newline-delimited JSON file (NDJSON, JSON Lines), one object per line.

    A line that is not valid JSON (strict RFC 8259, UTF-8) or valid JSON but
    not an object is an unreadable item naming its line, the byte where the
    problem is, and the reason; reading goes on. So is an object that gives
    a key twice (orjson alone would keep the last value silently); the check
    costs one encoding per record when the line is compact JSON as orjson
    writes it, and a few microseconds more for other text (spaces, escapes)
    whose objects nest; `check_duplicate_keys=False` turns it off. Blank lines are
    skipped. A line longer than `max_record_size` bytes (default 64 MiB) is
    not read whole: its dead letter keeps the first 4 KiB and gives its
    size. Positions carry the line and the byte offset where it starts.
    The file must be UTF-8 (a byte-order mark is tolerated).
    """

    #: No value read is a NaN or an infinity: orjson and the exact parser refuse them
    #: (engine/finite.py relies on it).
    finite_values = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        check_duplicate_keys: bool = True,
        max_record_size: int = MAX_RECORD_SIZE,
    ) -> None:
        self.path = Path(path)
        self.check_duplicate_keys = check_duplicate_keys
        _check_limits(self.name, MAX_DEPTH, max_record_size)
        self.max_record_size = max_record_size
        open_binary(self.path).close()
        self._open_files: list[IO[bytes]] = []

    @property
    def name(self) -> str:
        return str(self.path)

    def __iter__(self) -> Iterator[SourceItem]:
        file = open_binary(self.path)
        self._open_files.append(file)
        try:
            yield from self._items(file)
        finally:
            file.close()
            self._open_files.remove(file)

    def _items(self, file: IO[bytes]) -> Iterator[SourceItem]:
        """The items of `file`'s lines, numbered from line 1 at byte 0."""
        reader = _LineReader(self, file, 1, 0)
        while (chunk := reader.read(_ITEMS_AT_ONCE)) is not None:
            yield from chunk

    def record_chunks(self) -> ChunkReader | None:
        """The file's records a chunk at a time (what the row engine maps: no SourceItem
        is made for a record unless asked for), or None when this source cannot (a
        subclass that reads something else than the whole file says so). Closed by
        `close()`."""
        file = open_binary(self.path)
        self._open_files.append(file)
        return _LineReader(self, file, 1, 0)

    @staticmethod
    def _skip_line(file: IO[bytes], start: bytes) -> tuple[int, bytes]:
        """Read past the rest of a line a bounded piece at a time: (its size, its first bytes)."""
        size, excerpt = len(start), start[:EXCERPT_BYTES]
        while piece := file.readline(1 << 20):
            size += len(piece)
            excerpt += piece[: EXCERPT_BYTES - len(excerpt)]
            if piece.endswith(b"\n"):
                break
        return size, excerpt

    def _unreadable(self, position: Position, byte: int, reason: str, text: bytes) -> SourceItem:
        return SourceItem(
            position=position,
            record=None,
            error=f"{self.path.name}, line {position.line} (byte {byte}): {reason}",
            raw=_raw(text[:EXCERPT_BYTES]),
        )

    def close(self) -> None:
        for file in list(self._open_files):
            file.close()
        self._open_files.clear()


#: Items read at a time when iterating an NDJSON source item by item.
_ITEMS_AT_ONCE = 16


class _LineReader:
    """An NDJSON file's records, read a chunk at a time from line `first` at byte `offset`.

    The hot loop of NDJSON runs: orjson reads a line with its newline as it is, so blank
    lines, a byte-order mark and errors are only looked at when orjson refuses the line;
    a line that orjson would write back byte for byte needs no duplicate-key or
    big-integer check (as_written), others cost a regular expression count and, with
    nested objects, a walk. With check_duplicate_keys off, only the scan for integers
    beyond 64 bits (one byte translation) is left. Each record costs two list appends;
    positions become SourceItems only when asked for (SourceChunk).
    """

    def __init__(self, source: NdjsonSource, file: IO[bytes], first: int, offset: int) -> None:
        self._source = source
        self._file = file
        limit = source.max_record_size
        self._lines = enumerate(iter(partial(file.readline, limit + 1), b""), start=first)
        self._offset = offset
        self._parser = _Records(source.check_duplicate_keys)

    def read(self, size: int) -> SourceChunk | None:
        """The next `size` records (fewer at the end), None when there are none left."""
        source, file = self._source, self._file
        loads, decode_error = orjson.loads, orjson.JSONDecodeError
        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        check, limit = source.check_duplicate_keys, source.max_record_size
        records: list[Record | None] = []
        lines: list[int] = []
        offsets: list[int] = []
        unreadable: dict[int, SourceItem] = {}
        add, add_line, add_offset = records.append, lines.append, offsets.append
        offset = self._offset
        for number, line in self._lines:
            start = offset
            offset += len(line)
            if len(line) > limit and not line.endswith(b"\n"):
                length, line = source._skip_line(file, line)
                offset = start + length
                reason = (
                    f"the line is {length:,} bytes, more than max_record_size ({limit:,}); "
                    f"only its first {EXCERPT_BYTES:,} bytes are kept"
                )
                unreadable[len(records)] = source._unreadable(
                    Position(number, start), start, reason, line
                )
                add(None)
                add_line(number)
                add_offset(start)
            else:
                try:
                    value = loads(line)
                except decode_error:
                    value = None
                if type(value) is dict:
                    if not check:  # no key check: only integers beyond 64 bits to look for
                        value = exact_integers(value, line)
                    else:
                        try:  # as_written, inline: compact JSON has no key twice, no huge int
                            compact = dumps(value, option=newline) == line
                        except orjson.JSONEncodeError:  # deeper than orjson writes
                            compact = False
                        if not compact:
                            twice = duplicate_key(value, line) is not None
                            value = None if twice else exact_integers(value, line)
                    if value is not None:  # else read again below, to say why not
                        add(value)
                        add_line(number)
                        add_offset(start)
                        if len(records) == size:
                            break
                        continue
                skipped = (
                    len(codecs.BOM_UTF8) if number == 1 and line.startswith(codecs.BOM_UTF8) else 0
                )
                text = line[skipped:].rstrip(b"\r\n")
                if not text.strip(b" \t\r\n"):
                    continue
                value, at, reason = self._parser.parse(text)
                if value is None:
                    unreadable[len(records)] = source._unreadable(
                        Position(number, start), start + skipped + at, reason, text
                    )
                add(value)
                add_line(number)
                add_offset(start)
            if len(records) == size:
                break
        self._offset = offset
        return SourceChunk(records, lines, offsets, unreadable) if records else None


class JsonArraySource:
    """Records of a JSON array, streamed element by element: memory stays flat.

    The array is the whole file, or with `records_path` the array under that
    key of a top-level object (``"results"`` for ``{"results": [...]}``,
    dotted for deeper keys: ``"data.items"``).

    Each element is parsed on its own, strictly (RFC 8259: no NaN, Infinity,
    trailing commas or form feeds as whitespace; UTF-8 only). An element
    that cannot be read is an unreadable item with its index, the byte where
    the problem is and the reason, and reading goes on: an element that is
    not an object, is not valid JSON or UTF-8, nests deeper than `max_depth`
    levels (default 512, at most 1000), or is longer than `max_record_size`
    bytes (default 64 MiB; its dead letter keeps the first 4 KiB and gives
    its size); so is an object that gives a key twice, unless
    `check_duplicate_keys` is False (the check's cost is NdjsonSource's). When the
    array itself is malformed (a missing comma, a trailing comma, the end of
    the file inside an element) one unreadable item gives the byte, and the
    source ends there: nothing after it can be trusted.

    Memory is bounded by `max_record_size` whatever the file holds. Readable
    records carry their 0-based index in the array. The file must be UTF-8
    (a byte-order mark is tolerated).
    """

    #: No value read is a NaN or an infinity (RFC 8259 has none; engine/finite.py relies on it).
    finite_values = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        records_path: str | None = None,
        max_depth: int = MAX_DEPTH,
        max_record_size: int = MAX_RECORD_SIZE,
        check_duplicate_keys: bool = True,
    ) -> None:
        self.path = Path(path)
        self.records_path = records_path
        self.check_duplicate_keys = check_duplicate_keys
        _check_limits(self.name, max_depth, max_record_size)
        self.max_depth = max_depth
        self.max_record_size = max_record_size
        self._open_files: list[IO[bytes]] = []
        with open_binary(self.path) as file:
            head = file.read(len(codecs.BOM_UTF8))
            self._skip = len(codecs.BOM_UTF8) if head == codecs.BOM_UTF8 else 0
            file.seek(self._skip)
            first = self._scanner(file).peek()
        expected = b"{" if records_path else b"["
        if not first:
            raise SourceUnreadable("the file is empty; expected a JSON array", target=self.name)
        if first != expected:
            raise SourceUnreadable(self._shape_problem(first), target=self.name)

    @property
    def name(self) -> str:
        return str(self.path)

    def _scanner(self, file: IO[bytes]) -> ElementScanner:
        return ElementScanner(
            file, self._skip, max_depth=self.max_depth, max_record_size=self.max_record_size
        )

    def _shape_problem(self, first: bytes) -> str:
        if self.records_path:
            return (
                f"the top level is not a JSON object, so it has no {self.records_path!r}; "
                f"clear records_path ({where_to_set('records_path')}) to read a top-level array"
            )
        if first == b"{":
            keys = self._array_keys()
            hint = f" (arrays found under: {', '.join(keys)})" if keys else ""
            return (
                "the top level is a JSON object, not an array; set records_path "
                f"({where_to_set('records_path')}) to the key that holds the records{hint}, "
                "or use NDJSON for one object per line"
            )
        return "the top level is not a JSON array; expected '[' as the first character"

    def _array_keys(self, limit: int = 1 << 20) -> list[str]:
        """Keys of the first `limit` bytes whose values are arrays, one level down at most."""
        keys: list[str] = []
        with open_binary(self.path) as file:
            file.seek(self._skip)
            scanner = self._scanner(file)
            try:
                scanner.open(b"{")
                for name, raw, first in scanner.members():
                    shown = _key_text(name, raw)
                    if first == b"[":
                        keys.append(shown)
                    if first == b"{":
                        scanner.open(b"{")
                        for inner, inner_raw, inner_first in scanner.members():
                            if inner_first == b"[":
                                keys.append(f"{shown}.{_key_text(inner, inner_raw)}")
                            scanner.skip()
                    else:
                        scanner.skip()
                    if scanner.offset > limit or len(keys) >= 20:
                        break
            except Broken:
                pass  # only a hint for the message: a broken file has no more keys to offer
        return keys

    def __iter__(self) -> Iterator[SourceItem]:
        file = open_binary(self.path)
        self._open_files.append(file)
        try:
            yield from self._items(file)
        finally:
            file.close()
            self._open_files.remove(file)

    def _items(self, file: IO[bytes]) -> Iterator[SourceItem]:
        file.seek(self._skip)
        scanner = self._scanner(file)
        records = _Records(self.check_duplicate_keys)
        check = self.check_duplicate_keys
        loads, decode_error = orjson.loads, orjson.JSONDecodeError
        index = 0
        try:
            self._enter(scanner)
            for offset, data, _size, problem, value in scanner.elements():
                if problem is None:
                    # The hot path: a valid object with no key twice goes straight out.
                    if value is UNPARSED:
                        try:
                            value = loads(data)
                        except decode_error:
                            value = None
                    if type(value) is dict and as_written(value, data, 0):
                        yield SourceItem(Position(index=index), value)
                        index += 1
                        continue
                    if type(value) is dict and (not check or duplicate_key(value, data) is None):
                        yield SourceItem(Position(index=index), exact_integers(value, data))
                        index += 1
                        continue
                    _, at, problem = records.parse(data)
                    offset += at
                yield self._unreadable(index, offset, problem, data)
                index += 1
            if not self.records_path and not scanner.rest_is_blank():
                raise Broken(scanner.offset, "more after the end of the array")
        except Broken as exc:
            yield self._broken(file, index, exc)

    def _unreadable(self, index: int, offset: int, reason: str, data: bytes) -> SourceItem:
        return SourceItem(
            position=Position(index=index, offset=offset),
            record=None,
            error=f"{self.path.name}, byte {offset} (item {index}): {reason}",
            raw=_raw(data[:EXCERPT_BYTES]),
        )

    def _broken(self, file: IO[bytes], index: int, exc: Broken) -> SourceItem:
        file.seek(max(self._skip, exc.offset - 40))
        return SourceItem(
            position=Position(index=index, offset=exc.offset),
            record=None,
            error=f"{self.path.name}, byte {exc.offset} (item {index}): invalid JSON: "
            f"{exc.reason}; reading stops here",
            raw=_raw(file.read(200)),
        )

    def _enter(self, scanner: ElementScanner) -> None:
        """Consume the document up to the '[' of the records."""
        if not self.records_path:
            scanner.open(b"[")
            return
        scanner.open(b"{")
        parts = self.records_path.split(".")
        for depth, part in enumerate(parts, start=1):
            keys: list[str] = []
            for name, raw, first in scanner.members():
                if name == part and first == (b"[" if depth == len(parts) else b"{"):
                    scanner.open(first)
                    break
                keys.append(_key_text(name, raw))
                scanner.skip()
            else:
                where = (
                    "the top-level keys"
                    if depth == 1
                    else f"the keys under {'.'.join(parts[: depth - 1])!r}"
                )
                shown = ", ".join(keys[:50]) + (", …" if len(keys) > 50 else "")
                raise ConnectorError(
                    f"no array under {self.records_path!r}; {where} are: {shown or '(none)'}; "
                    f"set records_path ({where_to_set('records_path')}) to one of them",
                    target=self.name,
                )

    def close(self) -> None:
        for file in list(self._open_files):
            file.close()
        self._open_files.clear()


def _key_text(name: str | None, raw: bytes) -> str:
    """A key as a message shows it: its text, or its source text when it cannot be decoded."""
    return name if name is not None else _raw(raw[1:-1])


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"a {type(value).__name__} value is not JSON")


def json_rejection(
    index: int, record: Record, error: TypeError | ValueError | None
) -> RejectedRecord | None:
    """Why `record` cannot be written as JSON (the encoder's `error`, or a NaN it wrote as
    null), as the dead letter will say it; None when nothing is wrong after all."""
    problem = json_problem(record)
    if problem is None:
        if error is None:
            return None
        return RejectedRecord(index, f"cannot be written as JSON ({error})")
    path, reason = problem
    return RejectedRecord(index, f"cannot be written as JSON: {path}: {reason}", field=path)


class _JsonSink(FileSink):
    #: Written before every record but the first, and before the first.
    separator = b""
    first_separator = b""
    #: orjson options of every record.
    options = 0
    #: The run vouched that no record holds a NaN or an infinity (`vouch_finite`).
    vouched_finite = False

    def vouch_finite(self) -> None:
        """The records to come hold no NaN and no infinity (the run proved it of its source
        and its mapping: engine/finite.py): no record is looked into for one. The encoder
        still refuses whatever it cannot write."""
        self.vouched_finite = True

    def _write_records(self, records: Sequence[Record]) -> list[RejectedRecord]:
        # The whole batch is encoded at full speed first; only a batch the
        # encoder refuses, or one holding a record whose text has a null that
        # stands for a NaN or an infinity (orjson writes them as null), is
        # encoded record by record, leaving out and describing each record that
        # cannot be written. Only the records whose own text holds a null are
        # looked into for a NaN: the others cannot hold one. A vouched run has no suspects.
        try:
            buffer, suspects = self._encode(records)
        except TypeError:  # orjson.JSONEncodeError too
            buffer, suspects = None, []
        if buffer is not None and not any(map(holds_non_finite, suspects)):
            self._out.write(buffer)
            return []
        buffer, rejected = self._encode_each(records)
        self._out.write(buffer)
        return rejected

    def _encode(self, records: Sequence[Record]) -> tuple[bytearray, list[Record]]:
        """The batch's text, and its records whose text holds a null (the only ones
        that may hold a NaN or an infinity)."""
        # Each record is appended to one buffer as soon as it is encoded: a
        # list of encoded records joined at the end costs ten times as much,
        # because orjson's many small outputs then stay alive together.
        buffer = bytearray()
        suspects: list[Record] = []
        dumps, options = orjson.dumps, self.options
        if not self.separator and self.vouched_finite:
            for record in records:
                buffer += dumps(record, default=_default, option=options)
            return buffer, suspects
        if not self.separator:
            for record in records:
                data = dumps(record, default=_default, option=options)
                buffer += data
                if b"null" in data:
                    suspects.append(record)
            return buffer, suspects
        row = self.row_count
        for record in records:
            buffer += self.first_separator if row == 0 else self.separator
            data = dumps(record, default=_default, option=options)
            buffer += data
            if b"null" in data and not self.vouched_finite:
                suspects.append(record)
            row += 1
        return buffer, suspects

    def _encode_each(self, records: Sequence[Record]) -> tuple[bytearray, list[RejectedRecord]]:
        buffer = bytearray()
        rejected: list[RejectedRecord] = []
        row = self.row_count
        for index, record in enumerate(records):
            try:
                data = self._dumps(record)
            except (TypeError, ValueError) as exc:
                rejected.append(
                    json_rejection(index, record, exc) or RejectedRecord(index, str(exc))
                )
                continue
            if b"null" in data and not self.vouched_finite and holds_non_finite(record):
                rejection = json_rejection(index, record, None)
                if rejection is not None:
                    rejected.append(rejection)
                    continue
            buffer += self.first_separator if row == 0 else self.separator
            buffer += data
            row += 1
        return buffer, rejected

    def _dumps(self, record: Record) -> bytes:
        try:
            return orjson.dumps(record, default=_default, option=self.options)
        except TypeError as exc:
            if "64-bit" not in str(exc):
                raise
        # An integer beyond 64 bits: Python's json writes it exactly.
        data = dumps_exact(record, _default)
        return data + b"\n" if self.options & orjson.OPT_APPEND_NEWLINE else data


class NdjsonSink(_JsonSink):
    """Writes one JSON object per line (UTF-8, LF), atomically."""

    format_name = "NDJSON"
    options = orjson.OPT_APPEND_NEWLINE


class JsonArraySink(_JsonSink):
    """Writes a JSON array, one object per line (``[\\n{...},\\n{...}\\n]``), atomically."""

    format_name = "JSON"
    first_separator = b"\n"
    separator = b",\n"

    def __init__(self, path: str | os.PathLike[str], *, schema_version: str = "1") -> None:
        super().__init__(path, schema_version=schema_version)
        self._out.write(b"[")

    def _finish(self) -> None:
        self._out.write(b"\n]\n")
