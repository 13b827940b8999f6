"""CSV (and TSV) files: a streaming source and an atomic sink."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from fieldwright.connectors._text import (
    ESCAPED_BYTE,
    cell_text,
    lookup_column,
    open_binary,
    resolve_encoding,
    undecodable,
    unique_columns,
)
from fieldwright.connectors._typing import Converter, converters_for
from fieldwright.connectors._unwritable import json_problem
from fieldwright.connectors.atomic import FileSink
from fieldwright.connectors.errors import ConnectorError, SinkError, SourceUnreadable
from fieldwright.connectors.hints import where_to_set
from fieldwright.domain.records import Position, Record, RejectedRecord, SourceItem
from fieldwright.domain.schema import SchemaField

__all__ = ["CsvSink", "CsvSource"]

_SAMPLE_BYTES = 64 * 1024
_SNIFF_DELIMITERS = ",;\t|"
#: The default of `max_field_size`: the longest cell read, in characters.
MAX_FIELD_SIZE = 16 * 1024 * 1024
#: The default of `max_record_size`: the longest record read, in characters.
MAX_RECORD_SIZE = 64 * 1024 * 1024
#: How much of a record longer than `max_record_size` its dead letter keeps.
EXCERPT_CHARS = 4096
_LINE_ENDS = ("\n", "\r")
#: Characters read at a time; lines are split a chunk at a time.
CHUNK_CHARS = 64 * 1024
#: A line with its end (CRLF, LF or CR), or the last line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

#: The csv module's field limit is one for the whole process: it is only ever
#: raised, to the largest record any source reads, and each source checks its own.
_FIELD_LIMIT = threading.Lock()


def _raise_csv_field_limit(size: int) -> None:
    with _FIELD_LIMIT:
        if csv.field_size_limit() < size:
            csv.field_size_limit(size)


class _TooLong(Exception):
    """The record being read is longer than max_record_size."""


class _Lines:
    """Feeds csv.reader line by line, counts lines, and keeps the lines of the record being parsed.

    The text is read a chunk (about `CHUNK_CHARS`) at a time and split into
    lines there; a chunk holding neither a NUL nor an undecodable byte is
    clean, and the records read only from clean chunks skip those checks
    (`dirty` tells). No more than `limit` characters of a record are ever
    read into memory: beyond, `_TooLong` stops the reader and `skip_record`
    reads past the rest, a bounded piece at a time.
    """

    def __init__(self, text: IO[str], limit: int, quotechar: str) -> None:
        self._text = text
        self._readline = text.readline
        self._limit = limit
        self._quotechar = quotechar
        self._lines: list[str] = []
        self._next = 0
        self._chunk_dirty = False
        #: Whether a line of the record being read came from a chunk that is not clean.
        self.dirty = False
        self.pending: list[str] = []
        self.size = 0
        self.count = 0  #: lines ended so far

    def __iter__(self) -> _Lines:
        return self

    def _fill(self) -> bool:
        """Read the next chunk, cut after a line end (or at the record limit); False at the end."""
        chunk = self._text.read(CHUNK_CHARS)
        if not chunk:
            return False
        if chunk[-1] == "\r":  # a CRLF split between chunks stays one line end
            chunk += self._text.read(1)
        if chunk[-1] not in _LINE_ENDS:
            chunk += self._readline(self._limit + 1)
        self._lines = _LINE.findall(chunk)
        self._next = 0
        self._chunk_dirty = "\x00" in chunk or ESCAPED_BYTE.search(chunk) is not None
        self.dirty = self.dirty or self._chunk_dirty
        return True

    def __next__(self) -> str:
        if self._next >= len(self._lines) and not self._fill():
            raise StopIteration
        line = self._lines[self._next]
        self._next += 1
        if line[-1] in _LINE_ENDS:
            self.count += 1
        self.pending.append(line)
        self.size += len(line)
        if self.size > self._limit:
            raise _TooLong
        return line

    def _rest(self, size: int) -> str:
        """Up to `size` characters of the current line: what the chunk holds, then the file."""
        if self._next < len(self._lines):
            line = self._lines[self._next]
            if len(line) <= size:
                self._next += 1
                return line
            self._lines[self._next] = line[size:]
            return line[:size]
        return self._readline(size)

    def take(self) -> list[str]:
        lines, self.pending, self.size = self.pending, [], 0
        self.dirty = self._chunk_dirty
        return lines

    def skip_record(self) -> tuple[int, str]:
        """Read past the rest of a record that is too long: (its size, its first characters).

        The record ends at the first line end outside quotes (an even number
        of quote characters so far), as RFC 4180 quoting has it.
        """
        lines = self.take()
        excerpt = "".join(lines)[:EXCERPT_CHARS]
        size = sum(map(len, lines))
        quotes = sum(line.count(self._quotechar) for line in lines)
        ended = lines[-1].endswith(_LINE_ENDS)
        while not (ended and quotes % 2 == 0):
            piece = self._rest(1 << 20)
            if not piece:
                break
            size += len(piece)
            if len(excerpt) < EXCERPT_CHARS:
                excerpt += piece[: EXCERPT_CHARS - len(excerpt)]
            quotes += piece.count(self._quotechar)
            ended = piece.endswith(_LINE_ENDS)
            self.count += ended
        return size, excerpt


def _looks_typed(cell: str) -> bool:
    text = cell.strip()
    if not text:
        return True
    try:
        float(text)
    except ValueError:
        return text.lower() in {"true", "false"} or (text[:4].isdigit() and text[4:5] == "-")
    return True


def _is_header(first: list[str]) -> bool:
    """A first row of unique, non-empty, non-numeric, non-date cells is taken for a header."""
    cells = [cell.strip() for cell in first]
    return len(set(cells)) == len(cells) and not any(_looks_typed(cell) for cell in cells)


class CsvSource:
    """Records of a CSV file, one per row, streamed.

    - Encoding: by default the byte-order mark decides (UTF-8, UTF-16,
      UTF-32) and UTF-8 is assumed without one; set `encoding` for e.g.
      ``cp1252`` or ``latin-1``. A byte that cannot be decoded makes its
      record unreadable, naming the line and the byte. (A malformed UTF-16
      or UTF-32 sequence, which cannot be skipped, ends the source with one
      unreadable item instead, at or before the line where it was found.)
    - Dialect: RFC 4180 quoting, CRLF or LF, newlines inside quoted fields
      (the position is the line where the record starts). Without a
      `delimiter` it is sniffed from the first 64 KB among ``, ; TAB |``,
      falling back to ``,``.
    - Header: `header=None` takes the first row for a header when all its
      cells are non-empty, unique and neither numbers nor dates. Set it
      explicitly when the guess is wrong. `columns` overrides the names (the
      header row, if any, is still skipped). Blank and repeated header names
      become ``column_N`` and ``name_2``.
    - Empty cells stay ``""``, because text has no null; a column the `schema`
      types (integer, number, boolean, date, datetime) reads an empty cell as
      None. Dates stay ISO strings, checked. A value that does not fit its
      type makes the record unreadable, naming the line and the column.
    - A row with more or fewer cells than there are columns is unreadable.
    - A NUL byte makes its record unreadable, naming the line and the
      character (a file with NULs in every other byte is taken for UTF-16
      without a byte-order mark, and refused with a hint).
    - Sizes, in characters: a cell longer than `max_field_size` (default 16
      MiB) makes its record unreadable; a record longer than
      `max_record_size` (default 64 MiB) is not read whole: its dead letter
      keeps the first 4,096 characters and gives its size, and reading goes
      on after it. Memory stays within about `max_record_size`.

    Each iteration reads the file again from the start.
    """

    #: No value read is a NaN or an infinity: cells are text, and a `number` column refuses
    #: them (connectors/_typing.py; engine/finite.py relies on it).
    finite_values = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        delimiter: str | None = None,
        quotechar: str = '"',
        encoding: str | None = None,
        header: bool | None = None,
        columns: list[str] | None = None,
        schema: list[SchemaField] | None = None,
        skip_blank_lines: bool = True,
        max_field_size: int = MAX_FIELD_SIZE,
        max_record_size: int = MAX_RECORD_SIZE,
    ) -> None:
        self.path = Path(path)
        self.quotechar = quotechar
        self.skip_blank_lines = skip_blank_lines
        for setting, size in (
            ("max_field_size", max_field_size),
            ("max_record_size", max_record_size),
        ):
            if type(size) is not int or size < 1:
                raise ConnectorError(
                    f"{setting} must be a positive number of characters, not {size!r}",
                    target=self.name,
                )
        self.max_field_size = max_field_size
        self.max_record_size = max_record_size
        _check_dialect(self.name, delimiter, quotechar)
        self._open_files: list[IO[str]] = []
        with open_binary(self.path) as raw:
            head = raw.read(_SAMPLE_BYTES)
        self.encoding = resolve_encoding(head[:4096], encoding, target=self.name)
        sample = self._sample(head)
        self.delimiter = delimiter or self._sniff(sample)
        first = self._first_row(sample)
        self.has_header = _is_header(first) if header is None and first else bool(header)
        problem = undecodable("\x1f".join(first or []), self.encoding) if self.has_header else None
        if self.has_header and first and any("\x00" in cell for cell in first):
            problem = "a NUL byte (0x00); is this a binary file?"
        if problem:
            raise SourceUnreadable(f"the header: {problem}", target=self.name)
        if columns is not None:
            self.columns = unique_columns(columns)
        elif self.has_header and first:
            self.columns = unique_columns(first)
        else:
            self.columns = [f"column_{n}" for n in range(1, len(first or []) + 1)]
        self._converters: dict[str, Converter] = converters_for(schema, self.columns)

    @property
    def name(self) -> str:
        return str(self.path)

    def _sample(self, head: bytes) -> str:
        final = len(head) < _SAMPLE_BYTES
        try:
            text = codecs.getincrementaldecoder(self.encoding)("surrogateescape").decode(
                head, final
            )
        except UnicodeDecodeError:
            # Only UTF-16/32 get here; the sample serves sniffing, iteration reports the error.
            text = codecs.getincrementaldecoder(self.encoding)("replace").decode(head, final)
        if len(head) == _SAMPLE_BYTES:  # cut at the last line break: no half record
            cut = max(text.rfind("\n"), text.rfind("\r"))
            text = text[: cut + 1] if cut >= 0 else text
        return text

    def _sniff(self, sample: str) -> str:
        try:
            return csv.Sniffer().sniff(sample, delimiters=_SNIFF_DELIMITERS).delimiter
        except csv.Error:
            return ","

    def _first_row(self, sample: str) -> list[str] | None:
        reader = csv.reader(
            io.StringIO(sample, newline=""),
            delimiter=self.delimiter,
            quotechar=self.quotechar,
            strict=True,
        )
        try:
            return next((row for row in reader if row), None)
        except csv.Error as exc:
            raise SourceUnreadable(
                f"line {reader.line_num}: malformed first row ({exc})", target=self.name
            ) from exc

    def __iter__(self) -> Iterator[SourceItem]:
        raw = open_binary(self.path)
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")
        self._open_files.append(text)
        try:
            yield from self._items(text)
        finally:
            text.close()
            self._open_files.remove(text)

    def _items(self, text: IO[str], *, header_pending: bool | None = None) -> Iterator[SourceItem]:
        """The items of `text`; `header_pending` (default: `has_header`) skips its first
        record (connectors/csv_frames.py reads a file from a record in the middle)."""
        _raise_csv_field_limit(self.max_record_size)
        lines = _Lines(text, self.max_record_size, self.quotechar)
        reader = csv.reader(lines, delimiter=self.delimiter, quotechar=self.quotechar, strict=True)
        if header_pending is None:
            header_pending = self.has_header
        columns, width, converters = self.columns, len(self.columns), self._converters
        while True:
            start = lines.count + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raw_text = "".join(lines.take())
                yield self._unreadable(start, f"malformed CSV: {exc}", raw_text)
                continue
            except _TooLong:
                size, excerpt = lines.skip_record()
                reason = (
                    f"the record is {size:,} characters, more than max_record_size "
                    f"({self.max_record_size:,}); its first {EXCERPT_CHARS:,} are kept"
                )
                yield self._unreadable(start, reason, excerpt)
                header_pending = False
                continue
            except UnicodeDecodeError as exc:
                yield self._unreadable(
                    start,
                    f"at or after this line, the file cannot be decoded as {self.encoding} "
                    f"({exc.reason}); reading stops here",
                    "".join(lines.take()),
                )
                return
            dirty, size = lines.dirty, lines.size
            record_lines = lines.take()
            if not cells and (self.skip_blank_lines or header_pending):
                continue
            if header_pending:
                header_pending = False
                continue
            if dirty or size > self.max_field_size or len(cells) != width:
                yield self._checked(start, cells, record_lines)
                continue
            record = dict(zip(columns, cells, strict=True))
            if converters:
                yield self._converted(start, record, record_lines)
            else:
                yield SourceItem(Position(line=start), record)

    def _checked(self, start: int, cells: list[str], record_lines: list[str]) -> SourceItem:
        """A record that may hold a NUL, an undecodable byte, a cell too long or a wrong
        number of cells: the item, or the unreadable item naming the first problem."""
        raw_text = "".join(record_lines)
        for offset, line in enumerate(record_lines):
            problem = undecodable(line, self.encoding)
            if problem:
                return self._unreadable(start + offset, problem, raw_text)
        if "\x00" in raw_text:
            return self._nul(start, record_lines, raw_text)
        if len(raw_text) > self.max_field_size:
            for column, cell in zip(self.columns, cells, strict=False):
                if len(cell) > self.max_field_size:
                    return self._unreadable(
                        start,
                        f"column {column!r} has {len(cell):,} characters, more than "
                        f"max_field_size ({self.max_field_size:,})",
                        raw_text[:EXCERPT_CHARS],
                    )
        if not cells:  # a kept blank line: every column empty
            cells = [""] * len(self.columns)
        if len(cells) != len(self.columns):
            more_or_fewer = "more" if len(cells) > len(self.columns) else "fewer"
            return self._unreadable(
                start,
                f"{len(cells)} cells, {more_or_fewer} than the {len(self.columns)} columns "
                f"({', '.join(self.columns)})",
                raw_text,
            )
        return self._converted(start, dict(zip(self.columns, cells, strict=True)), record_lines)

    def _converted(self, start: int, record: Record, record_lines: list[str]) -> SourceItem:
        """The record with the schema's typed columns converted, or the unreadable item."""
        problems: list[str] = []
        for column, convert in self._converters.items():
            value = record[column]
            if value == "":
                record[column] = None
                continue
            try:
                record[column] = convert(value)
            except ValueError as exc:
                problems.append(f"column {column!r}: {exc}")
        if problems:
            return self._unreadable(start, "; ".join(problems), "".join(record_lines))
        return SourceItem(position=Position(line=start), record=record)

    def _nul(self, start: int, record_lines: list[str], raw_text: str) -> SourceItem:
        offset, line = next((n, line) for n, line in enumerate(record_lines) if "\x00" in line)
        reason = f"a NUL byte (0x00) at character {line.index(chr(0)) + 1}"
        return self._unreadable(start + offset, reason, raw_text)

    def _unreadable(self, line: int, reason: str, raw: str) -> SourceItem:
        return SourceItem(
            position=Position(line=line),
            record=None,
            error=f"{self.path.name}, line {line}: {reason}",
            raw=raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
        )

    def close(self) -> None:
        for text in list(self._open_files):
            text.close()
        self._open_files.clear()

    def __repr__(self) -> str:
        return f"CsvSource({self.name!r}, delimiter={self.delimiter!r}, encoding={self.encoding!r})"


def _check_dialect(target: str, delimiter: str | None, quotechar: str) -> None:
    """Refuse a delimiter or quote character the csv module cannot use, with a message."""
    try:
        csv.reader([], delimiter=delimiter or ",", quotechar=quotechar, strict=True)
    except (TypeError, ValueError, csv.Error) as exc:
        raise ConnectorError(
            f"delimiter {delimiter!r} and quotechar {quotechar!r} cannot be used ({exc}); "
            "each must be one character, and they must differ",
            target=target,
        ) from exc


class CsvSink(FileSink):
    """Writes records as CSV rows under a header of `columns`, atomically.

    A dotted column (``address.city``) reads a nested object when the record
    has no key of that literal name. Lists and objects left in a cell are
    written as JSON, None as an empty cell, booleans as ``true``/``false``.
    Keys of a record that are not columns are not written. Rows end in CRLF
    (RFC 4180).
    """

    format_name = "CSV"

    def __init__(
        self,
        path: str | os.PathLike[str],
        columns: list[str],
        *,
        delimiter: str = ",",
        encoding: str = "utf-8",
        schema_version: str = "1",
    ) -> None:
        if not columns:
            raise SinkError("a CSV sink needs at least one column", target=str(path))
        try:
            self._encoder = codecs.getincrementalencoder(encoding)()
        except LookupError as exc:
            raise SinkError(f"unknown encoding {encoding!r}", target=str(path)) from exc
        super().__init__(path, schema_version=schema_version)
        self.columns = list(columns)
        self.encoding = encoding
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")
        try:
            self._write_row(self.columns, row_number=0)
        except UnicodeEncodeError as exc:
            _, reason = self._unencodable(self.columns, exc)
            self.abort()
            raise SinkError(f"the header, {reason}", target=self.name) from exc

    def _write_row(self, cells: Sequence[str], *, row_number: int) -> None:
        """Write one row (the header is row 0), or raise UnicodeEncodeError writing nothing."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        self._out.write(self._encoder.encode(self._buffer.getvalue()))

    def _unencodable(self, cells: Sequence[str], exc: UnicodeEncodeError) -> tuple[str, str]:
        """(the column, the reason) of a character the encoding cannot write."""
        character = exc.object[exc.start]
        column = next(
            column for column, cell in zip(self.columns, cells, strict=True) if character in cell
        )
        return column, (
            f"column {column!r}: {character!r} cannot be written in {self.encoding}; set "
            f"encoding='utf-8' ({where_to_set('encoding', 'target')})"
        )

    def _write_records(self, records: Sequence[Record]) -> list[RejectedRecord]:
        rejected: list[RejectedRecord] = []
        columns = self.columns
        for index, record in enumerate(records):
            try:
                cells = [cell_text(lookup_column(record, column)) for column in columns]
            except TypeError:  # a list or object in a cell that JSON cannot hold
                rejected.append(self._unwritable_cell(index, record))
                continue
            try:
                self._write_row(cells, row_number=index)
            except UnicodeEncodeError as exc:
                column, reason = self._unencodable(cells, exc)
                rejected.append(RejectedRecord(index, reason, field=column))
        return rejected

    def _unwritable_cell(self, index: int, record: Record) -> RejectedRecord:
        for column in self.columns:
            value = lookup_column(record, column)
            problem = json_problem(value, column, depth=0)
            if problem is not None:
                path, reason = problem
                return RejectedRecord(
                    index, f"column {column!r} cannot be written as JSON: {path}: {reason}", column
                )
        return RejectedRecord(index, "a cell cannot be written as JSON")
