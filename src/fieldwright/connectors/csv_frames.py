"""CSV files read in chunks of whole records, each straight into a Polars frame (columnar engine).

A `CsvFrames` is a `CsvSource` (iterating it yields the same items) that also
hands out chunks: runs of whole records, cut at a line end outside quotes.
Polars reads a chunk far faster than the csv module, but it is lenient where
the row reader is strict (a quote inside an unquoted cell, a short row padded
with empty cells, a blank line skipped, an undecodable byte). So a chunk
gives a frame (every column as text, as the row reader gives cells) only when
its text is plainly RFC 4180 with exactly the file's number of cells per
record, checked by one linear regular expression (Rust's, in Polars): every
quote opens a cell, closes it or is doubled inside it, and no record is
blank, short or long. A chunk that is regular but not plain (a ragged row, a
NUL byte, an undecodable byte, a lone CR) is read by the row reader
(`items()`), from its first line: its records, positions and errors are the
row reader's own. A chunk whose quotes are not regular (where the csv module
reads a quote as a literal character, the cut may fall inside a record) ends
the chunking: the rest of the file is read by one row reader from the
chunk's start, in chunks of items, exactly as `CsvSource` reads it.

Only ASCII-compatible encodings are cut into chunks (UTF-8, Latin-1, cp1252,
ASCII); with another one, or with the `schema` setting (typed columns), every
chunk is read by rows. Polars is imported on first use only.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from fieldwright.connectors._text import open_binary
from fieldwright.connectors.csv_files import CsvSource
from fieldwright.domain.records import Position, SourceItem

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CSV_CHUNK_BYTES", "CsvChunk", "CsvFrames", "CsvRowsChunk"]

#: Bytes per chunk (whole records).
CSV_CHUNK_BYTES = 8 << 20
#: Bytes of the first chunk at most: its records reach the sink (a database's COPY on its own
#: thread) while the next, full chunk is read, instead of after a whole 8 MiB.
FIRST_CHUNK_BYTES = 1 << 20
#: Records per chunk when the row reader reads the rest of a file.
ROWS_PER_CHUNK = 20_000
#: Encodings whose delimiter, quote and line end are single ASCII bytes everywhere.
_CHUNKED_ENCODINGS = frozenset({"utf-8-sig", "utf-8", "iso8859-1", "cp1252", "ascii"})
#: The encodings whose chunks are UTF-8 bytes (a byte-order mark is never in a chunk).
_UTF8 = frozenset({"utf-8-sig", "utf-8"})


def _record_pattern(delimiter: str, quote: str, width: int | None) -> str:
    """A regular expression matching text made of whole RFC 4180 records (`width` cells each;
    None: any number), each ending in LF or CRLF."""
    d, q = re.escape(delimiter), re.escape(quote)
    cell = f"(?:{q}(?:[^{q}]|{q}{q})*{q}|[^{q}{d}\\r\\n]*)"
    more = f"(?:{d}{cell})" + ("*" if width is None else f"{{{width - 1}}}")
    return rf"\A(?:{cell}{more}\r?\n)*\z"


class CsvChunk:
    """Whole records of a CSV file, from line `first_line` at byte `first_offset`."""

    #: Every value of the frame is the cell's text (no number read as text to vouch for).
    exact_text = True

    def __init__(self, source: CsvFrames, first_line: int, first_offset: int, data: bytes):
        self.source = source
        self.first_line = first_line
        self.first_offset = first_offset
        self.data = data
        self._text: str | None = None
        self._plain: bool | None = None
        self._items: list[SourceItem] | None = None
        self._full: pl.DataFrame | None = None

    def __len__(self) -> int:
        full = self._read()
        return full.height if full is not None else len(self.items())

    def complete(self) -> bytes:
        """The chunk's bytes, its last record ended by a line end (the file's last record may
        have none; the row reader reads `data` itself)."""
        return self.data if self.data.endswith(b"\n") else self.data + b"\n"

    def decoded(self) -> str:
        """The chunk decoded (a plain chunk: strictly, so it is valid in the encoding)."""
        if self._text is None:
            encoding = self.source.encoding
            if encoding == "utf-8-sig" and self.first_offset > 0:
                encoding = "utf-8"
            self._text = self.complete().decode(encoding)
        return self._text

    def plain(self) -> bool:
        """Whether Polars reads the chunk exactly as the row reader does (see the module)."""
        if self._plain is None:
            self._plain = self._check()
        return self._plain

    def _check(self) -> bool:
        source = self.source
        data = self.data
        if not source.chunked or b"\x00" in data or _lone_cr(data):
            return False
        if len(data) > min(source.max_field_size, source.max_record_size):
            return False
        import polars as pl

        if source.encoding in _UTF8:
            # The bytes as Polars text, checked as UTF-8 by Polars (as strictly as Python's
            # decoder): no Python str made of the chunk only to be encoded again.
            try:
                text = pl.Series([self.complete()], dtype=pl.Binary).cast(pl.String)
            except pl.exceptions.PolarsError:
                return False
        else:
            try:
                text = pl.Series([self.decoded()])
            except UnicodeDecodeError:
                return False
        if len(source.columns) == 1 and (
            b"\n\n" in data or b"\n\r\n" in data or data[:1] in (b"", b"\r", b"\n")
        ):
            return False  # a blank line: skipped, or kept as an empty record, by the row reader
        pattern = _record_pattern(source.delimiter, source.quotechar, len(source.columns))
        return bool(text.str.contains(pattern).item())

    def regular(self) -> bool:
        """Whether every record of the chunk is RFC 4180 (any number of cells): the chunk ends
        where the row reader's record ends."""
        if self.plain():
            return True
        try:
            text = self.complete().decode("latin-1")  # quotes and line ends are where they are
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
            return False
        import polars as pl

        pattern = _record_pattern(self.source.delimiter, self.source.quotechar, None)
        return bool(pl.Series([text]).str.contains(pattern).item())

    def _read(self) -> pl.DataFrame | None:
        """Every column of a plain chunk as text, read once; None when the chunk is not plain
        (or Polars cannot read it)."""
        if self._full is None and self._plain is not False:
            import polars as pl

            if not self.plain():
                return None
            source = self.source
            # A plain UTF-8 chunk was checked as UTF-8 already: its bytes are read as they are.
            data = self.complete() if source.encoding in _UTF8 else self.decoded().encode("utf-8")
            try:
                self._full = pl.read_csv(
                    io.BytesIO(data),
                    has_header=False,
                    separator=source.delimiter,
                    quote_char=source.quotechar,
                    schema=dict.fromkeys(source.columns, pl.String),
                    empty_string_is_null=False,
                    raise_if_empty=False,
                )
            except (pl.exceptions.PolarsError, ValueError):
                self._plain = False
        return self._full

    def frame(self, schema: dict[str, pl.DataType] | None) -> pl.DataFrame | None:
        """The chunk as a frame of text columns: `schema`'s (a column the file lacks is null,
        as a missing cell reads None), or the file's (None); None when the chunk is not plain
        or the schema asks for anything but text."""
        import polars as pl

        full = self._read()
        if full is None or schema is None:
            return full
        if any(dtype != pl.String for dtype in schema.values()):
            return None
        return full.select(
            [
                pl.col(name) if name in full.columns else pl.lit(None, pl.String).alias(name)
                for name in schema
            ]
        )

    def suspects(self) -> list[int]:
        """No record of a CSV chunk is doubtful the way an NDJSON line may be."""
        return []

    def items(self) -> list[SourceItem]:
        """Every record of the chunk as `CsvSource` reads it."""
        if self._items is None:
            self._items = list(self.source.read_from(io.BytesIO(self.data), self.first_line, True))
        return self._items

    def item(self, index: int) -> SourceItem:
        return self.items()[index]


class CsvRowsChunk:
    """Records the row reader read (the rest of a file whose quotes are not regular)."""

    exact_text = True

    def __init__(self, items: list[SourceItem]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def frame(self, schema: Any) -> None:
        return None

    def suspects(self) -> list[int]:
        return []

    def items(self) -> list[SourceItem]:
        return self._items

    def item(self, index: int) -> SourceItem:
        return self._items[index]


class CsvFrames(CsvSource):
    """A CSV source read a chunk of records at a time (`chunks()`), or item by item."""

    def __init__(
        self, path: str | os.PathLike[str], *, chunk_bytes: int = CSV_CHUNK_BYTES, **settings: Any
    ) -> None:
        super().__init__(path, **settings)
        self.chunk_bytes = chunk_bytes
        self._binary_files: list[BinaryIO] = []
        #: Whether chunks may be read by Polars at all.
        self.chunked = (
            self.encoding in _CHUNKED_ENCODINGS
            and not self._converters
            and len(self.delimiter) == 1
            and ord(self.delimiter) < 128
            and ord(self.quotechar) < 128
            and self.delimiter not in "\r\n"
        )

    def close(self) -> None:
        for file in list(self._binary_files):
            file.close()
        self._binary_files.clear()
        super().close()

    def size(self) -> int:
        return Path(self.path).stat().st_size

    def read_from(
        self, file: IO[bytes], first_line: int, header_read: bool
    ) -> Iterator[SourceItem]:
        """The items of the records in `file` (bytes from a record's start), numbered from line
        `first_line`: what `CsvSource` yields for those records of the whole file."""
        text = io.TextIOWrapper(file, encoding=self._chunk_encoding(first_line), newline="",
                                errors="surrogateescape")  # fmt: skip
        prefix = f"{self.path.name}, line "
        shift = first_line - 1
        for item in self._items(text, header_pending=self.has_header and not header_read):
            line = (item.position.line or 1) + shift
            if item.record is not None:
                yield SourceItem(Position(line=line), item.record) if shift else item
                continue
            error = item.error or ""
            if shift and error.startswith(prefix):
                number, _, reason = error[len(prefix) :].partition(": ")
                if number.isdigit():
                    error = f"{prefix}{int(number) + shift}: {reason}"
            yield SourceItem(Position(line=line), None, error, item.raw)

    def _chunk_encoding(self, first_line: int) -> str:
        return "utf-8" if self.encoding == "utf-8-sig" and first_line > 1 else self.encoding

    def chunks(self) -> Iterator[CsvChunk | CsvRowsChunk]:
        """The file in chunks of whole records, about `chunk_bytes` each."""
        if not self.chunked:
            yield from self._rest(0, 1, header_read=False)
            return
        file = open_binary(self.path)
        self._binary_files.append(file)
        try:
            yield from self._chunks(file)
        finally:
            file.close()
            if file in self._binary_files:  # close() may have come first
                self._binary_files.remove(file)

    def _chunks(self, file: IO[bytes]) -> Iterator[CsvChunk | CsvRowsChunk]:
        quote = self.quotechar.encode("ascii")
        number, offset, pending = 1, 0, b""
        if self.encoding == "utf-8-sig":
            head = file.read(3)
            if head == codecs.BOM_UTF8:
                offset = 3
            else:
                pending = head
        header_read = not self.has_header
        size = min(self.chunk_bytes, FIRST_CHUNK_BYTES)
        while True:
            block = file.read(size)
            size = self.chunk_bytes
            data = pending + block
            if not data:
                return
            end = _record_end(data, quote, final=not block)
            if end == 0:  # no record ends in the block: read on
                if not block:
                    end = len(data)
                else:
                    pending = data
                    continue
            data, pending = data[:end], data[end:]
            lines = _line_ends(data)
            if not header_read:  # the header record: the first record, not blank
                header_end = _record_end(data, quote, final=True, first=True)
                header = data[:header_end]
                if not header.strip() or _lone_cr(header):
                    yield from self._rest(offset, number, header_read=False)
                    return
                number += _line_ends(header)
                offset += header_end
                end -= header_end
                data = data[header_end:]
                lines = _line_ends(data)
                header_read = True
                if not data:
                    continue
            chunk = CsvChunk(self, number, offset, data)
            if not chunk.regular():
                yield from self._rest(offset, number, header_read=True)
                return
            yield chunk
            number += lines
            offset += end

    def _rest(self, offset: int, first_line: int, *, header_read: bool) -> Iterator[CsvRowsChunk]:
        """The file from byte `offset` (a record's start, line `first_line`) by the row reader."""
        file = open_binary(self.path)
        self._binary_files.append(file)
        try:
            file.seek(offset)
            items: list[SourceItem] = []
            for item in self.read_from(file, first_line, header_read):
                items.append(item)
                if len(items) >= ROWS_PER_CHUNK:
                    yield CsvRowsChunk(items)
                    items = []
            if items:
                yield CsvRowsChunk(items)
        finally:
            file.close()
            if file in self._binary_files:  # close() may have come first
                self._binary_files.remove(file)


def _line_ends(data: bytes) -> int:
    """The line ends in `data` as the row reader counts them: CRLF, a lone CR or LF."""
    lines = data.count(b"\n")
    if b"\r" in data:  # a search (memchr) is far cheaper than a count: most files have no CR
        lines += data.count(b"\r") - data.count(b"\r\n")
    return lines


def _lone_cr(data: bytes) -> bool:
    """Whether `data` holds a CR that does not start a CRLF."""
    return b"\r" in data and data.count(b"\r") != data.count(b"\r\n")


def _record_end(data: bytes, quote: bytes, *, final: bool, first: bool = False) -> int:
    """The end (after its LF) of the last line end of `data` outside quotes (`first`: of the
    first one), by the parity of the quotes before it; 0 when none. At the end of the file
    (`final`) the data ends a record whatever its quotes."""
    if first:
        at = data.find(b"\n")
        while at >= 0:
            if data.count(quote, 0, at) % 2 == 0:
                return at + 1
            at = data.find(b"\n", at + 1)
        return len(data)
    before, at = data.count(quote), len(data)  # `before`: the quotes before `at`
    while (line_end := data.rfind(b"\n", 0, at)) >= 0:
        before -= data.count(quote, line_end, at)
        if before % 2 == 0:
            return line_end + 1
        at = line_end
    return len(data) if final else 0
