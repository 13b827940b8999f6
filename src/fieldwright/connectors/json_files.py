"""JSON files: NDJSON and JSON-array sources (streamed) and sinks (atomic)."""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from fieldwright.connectors._jsonerrors import describe_ijson_error
from fieldwright.connectors._text import open_binary
from fieldwright.connectors.atomic import FileSink
from fieldwright.connectors.errors import ConnectorError, SinkError, SourceUnreadable
from fieldwright.domain.records import Position, Record, SourceItem

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


class NdjsonSource:
    """Records of a newline-delimited JSON file (NDJSON, JSON Lines), one object per line.

    A line that is not valid JSON, or valid JSON but not an object, is an
    unreadable item naming its line (and orjson's message); reading goes on.
    Blank lines are skipped. Positions carry the line and its byte offset.
    The file must be UTF-8 (a byte-order mark is tolerated).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
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
        # The hot loop of NDJSON runs: orjson reads a line with its newline as it
        # is, so blank lines, a byte-order mark and errors are only looked at
        # when orjson refuses the line.
        loads, decode_error = orjson.loads, orjson.JSONDecodeError
        offset = 0
        for number, line in enumerate(file, start=1):
            start = offset
            offset += len(line)
            try:
                value = loads(line)
            except decode_error as exc:
                if number == 1 and line.startswith(codecs.BOM_UTF8):
                    line = line[len(codecs.BOM_UTF8) :]
                text = line.rstrip(b"\r\n")
                if not text.strip():
                    continue
                try:
                    value = loads(text)
                except decode_error:
                    position = Position(number, start)
                    yield self._unreadable(position, f"invalid JSON ({exc})", text)
                    continue
            if type(value) is not dict:
                text = line.rstrip(b"\r\n")
                reason = f"expected a JSON object, got {_kind(value)}"
                yield self._unreadable(Position(number, start), reason, text)
                continue
            yield SourceItem(Position(number, start), value)

    def _unreadable(self, position: Position, reason: str, text: bytes) -> SourceItem:
        return SourceItem(
            position=position,
            record=None,
            error=f"{self.path.name}, line {position.line}: {reason}",
            raw=_raw(text),
        )

    def close(self) -> None:
        for file in list(self._open_files):
            file.close()
        self._open_files.clear()


class _CountingReader:
    """A binary reader that remembers the last chunk handed to the parser and where it began."""

    def __init__(self, file: IO[bytes], skip: int) -> None:
        self._file = file
        self.consumed = skip
        self.chunk = b""
        self.chunk_start = skip

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        if data:
            self.chunk, self.chunk_start = data, self.consumed
            self.consumed += len(data)
        return data


class JsonArraySource:
    """Records of a JSON array, streamed element by element with ijson: memory stays flat.

    The array is the whole file, or with `records_path` the array under that
    key of a top-level object (``"results"`` for ``{"results": [...]}``,
    dotted for deeper keys: ``"data.items"``).

    An element that is not an object is an unreadable item; reading goes on.
    A syntax error (including NaN, Infinity and trailing commas, which JSON
    does not allow) is one unreadable item with the byte offset of the error,
    and then the source ends: nothing after it can be trusted. Readable
    records carry their 0-based index in the array; a byte offset is given
    only for errors (the streaming parser does not report where each
    element starts). The file must be UTF-8 (a byte-order mark is tolerated).
    """

    def __init__(self, path: str | os.PathLike[str], *, records_path: str | None = None) -> None:
        self.path = Path(path)
        self.records_path = records_path
        self._open_files: list[IO[bytes]] = []
        with open_binary(self.path) as file:
            head = file.read(4096)
        self._skip = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        first = head[self._skip :].lstrip()[:1]
        expected = b"{" if records_path else b"["
        if not first:
            raise SourceUnreadable("the file is empty; expected a JSON array", target=self.name)
        if first != expected:
            raise SourceUnreadable(self._shape_problem(first), target=self.name)

    @property
    def name(self) -> str:
        return str(self.path)

    def _shape_problem(self, first: bytes) -> str:
        if self.records_path:
            return (
                f"the top level is not a JSON object, so it has no {self.records_path!r}; "
                "clear records_path to read a top-level array"
            )
        if first == b"{":
            keys = self._array_keys()
            hint = f" (arrays found under: {', '.join(keys)})" if keys else ""
            return (
                "the top level is a JSON object, not an array; set records_path to the key "
                f"that holds the records{hint}, or use NDJSON for one object per line"
            )
        return "the top level is not a JSON array; expected '[' as the first character"

    def _array_keys(self, limit: int = 10_000) -> list[str]:
        keys: list[str] = []
        with open_binary(self.path) as file:
            file.read(self._skip)
            try:
                for count, (prefix, event, _value) in enumerate(ijson.parse(file)):
                    if count >= limit:
                        break
                    if event == "start_array" and prefix.count(".") <= 1 and "item" not in prefix:
                        keys.append(prefix)
            except ijson.JSONError:
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
        file.read(self._skip)
        reader = _CountingReader(file, self._skip)
        prefix = f"{self.records_path}.item" if self.records_path else "item"
        index = 0
        try:
            for value in ijson.items(reader, prefix, use_float=True):
                if isinstance(value, dict):
                    yield SourceItem(position=Position(index=index), record=value)
                else:
                    yield SourceItem(
                        position=Position(index=index),
                        record=None,
                        error=f"{self.path.name}, item {index}: expected a JSON object, "
                        f"got {_kind(value)}",
                        raw=orjson.dumps(value, default=str).decode(),
                    )
                index += 1
        except ijson.JSONError as exc:
            offset, reason = describe_ijson_error(str(exc), reader.chunk, reader.chunk_start)
            if offset is None:
                offset = reader.consumed
            yield SourceItem(
                position=Position(index=index, offset=offset),
                record=None,
                error=f"{self.path.name}, byte {offset} (item {index}): invalid JSON: {reason}; "
                "reading stops here",
                raw=_raw(reader.chunk[max(0, offset - reader.chunk_start - 40) :][:200]),
            )
            return
        if index == 0 and self.records_path:
            self._check_records_path()

    def _check_records_path(self) -> None:
        with open_binary(self.path) as file:
            file.read(self._skip)
            keys: list[str] = []
            for prefix, event, value in ijson.parse(file):
                if prefix == self.records_path and event == "start_array":
                    return
                if prefix == "" and event == "map_key":
                    keys.append(str(value))
        raise ConnectorError(
            f"no array under {self.records_path!r}; the top-level keys are: "
            f"{', '.join(keys) or '(none)'}; set records_path to one of them",
            target=self.name,
        )

    def close(self) -> None:
        for file in list(self._open_files):
            file.close()
        self._open_files.clear()


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"a {type(value).__name__} value is not JSON")


class _JsonSink(FileSink):
    #: Written before every record but the first, and before the first.
    separator = b""
    first_separator = b""

    def _write_records(self, records: Sequence[Record]) -> None:
        # Each record is appended to one buffer as soon as it is encoded: a
        # list of encoded records joined at the end costs ten times as much,
        # because orjson's many small outputs then stay alive together.
        buffer = bytearray()
        row = self.row_count
        try:
            for record in records:
                buffer += self.first_separator if row == 0 else self.separator
                buffer += orjson.dumps(record, default=_default)
                row += 1
        except TypeError as exc:
            raise SinkError(
                f"record {row + 1}: cannot be written as JSON ({exc})", target=self.name
            ) from exc
        self._out.write(buffer)


class NdjsonSink(_JsonSink):
    """Writes one JSON object per line (UTF-8, LF), atomically."""

    format_name = "NDJSON"
    separator = first_separator = b""

    def _write_records(self, records: Sequence[Record]) -> None:
        buffer = bytearray()
        try:
            for record in records:
                buffer += orjson.dumps(record, default=_default, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError as exc:
            row = self.row_count + buffer.count(b"\n") + 1
            raise SinkError(
                f"record {row}: cannot be written as JSON ({exc})", target=self.name
            ) from exc
        self._out.write(buffer)


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
