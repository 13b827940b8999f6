"""Byte ranges of large NDJSON and CSV files, read as record sources (the Dask engine).

A file is cut into raw blocks of about `size` bytes (`blocks`). Where a
block really starts is found by whoever reads it (`boundary`): just after the
first line end at or after the block's offset, and, for CSV, only at a line
end outside quotes (the quotes before it are even in number: RFC 4180
quotes whole fields and doubles a quote inside one, so a line end inside a
quoted field always follows an odd count). The counts a reader needs to
number its lines as the whole file does (line ends and quotes before each
block) come from a cheap pre-pass over each block (`count_block`), which
can run where the data is, block by block.

`NdjsonRange` and `CsvRange` read the records of one range exactly as
`NdjsonFrames` and `CsvSource` read them in the whole file: same records,
same line numbers and byte offsets, same reasons for unreadable ones (the
CSV header is read once from the file's head, for every range).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from fieldwright.connectors._text import open_binary
from fieldwright.connectors.csv_files import CsvSource
from fieldwright.connectors.errors import SourceUnreadable
from fieldwright.connectors.frames import NdjsonFrames
from fieldwright.domain.records import ChunkReader, Position, SourceItem

__all__ = [
    "Block",
    "CsvRange",
    "NdjsonRange",
    "blocks",
    "boundary",
    "count_block",
    "locate",
    "ranges",
    "splittable_encoding",
]

_READ = 1 << 20


@dataclass(frozen=True, slots=True)
class Block:
    """Bytes [start, end) of a file as cut by size, before line ends are looked for."""

    path: str
    start: int
    end: int
    #: The file's size (the last block ends there).
    size: int


def blocks(paths: list[Path], size: int) -> list[Block]:
    """Each file in raw blocks of `size` bytes (at least one block per file, in order)."""
    found: list[Block] = []
    for path in paths:
        total = path.stat().st_size
        starts = range(0, total, size) if total else range(1)
        for start in starts:
            found.append(Block(str(path), start, min(start + size, total), total))
    return found


def splittable_encoding(encoding: str) -> bool:
    """Whether a line end is the byte 0x0A and nothing else in text of `encoding` (UTF-8,
    the Latin and Windows code pages); UTF-16 and UTF-32 are not split."""
    try:
        one, two = "\na".encode(encoding), "\na\na".encode(encoding)
    except LookupError:
        return False
    return one.endswith(b"\na") and two.endswith(b"\na\na") and len(two) - len(one) == 2


def _window(path: Path, start: int, end: int) -> BinaryIO:
    """Bytes [start, end) of `path` as a buffered binary stream."""
    file = open_binary(path)
    file.seek(start)
    return io.BufferedReader(_Window(file, end - start), buffer_size=_READ)


class _Window(io.RawIOBase):
    def __init__(self, file: BinaryIO, length: int) -> None:
        self._file = file
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._left)]
        count = self._file.readinto(view)  # type: ignore[attr-defined]
        self._left -= count
        return int(count)

    def close(self) -> None:
        self._file.close()
        super().close()


def count_block(path: str, start: int, end: int, quote: bytes | None) -> tuple[int, int]:
    """(line ends, quote bytes) in bytes [start, end) of `path`: the pre-pass."""
    newlines = quotes = 0
    with open_binary(Path(path)) as file:
        file.seek(start)
        left = end - start
        while left > 0:
            data = file.read(min(_READ, left))
            if not data:
                break
            left -= len(data)
            newlines += data.count(b"\n")
            if quote:
                quotes += data.count(quote)
    return newlines, quotes


def boundary(path: str, offset: int, quotes_before: int, quote: bytes | None) -> tuple[int, int]:
    """Where the range cut at `offset` starts: (the byte after the first line end at or
    after `offset - 1` with an even count of quotes before it, the line ends between
    `offset` and there). `quotes_before` counts the quotes in bytes [0, offset); with
    no such line end, the file's size."""
    if offset == 0:
        return 0, 0
    with open_binary(Path(path)) as file:
        file.seek(offset - 1)
        if file.read(1) == b"\n" and quotes_before % 2 == 0:
            return offset, 0
        odd = quotes_before % 2 == 1
        at, newlines, rest = offset, 0, b""
        while True:
            data = file.read(_READ)
            if not data:
                return at + len(rest), newlines
            rest += data
            cut = 0
            while (end := rest.find(b"\n", cut)) >= 0:
                if quote and rest.count(quote, cut, end) % 2:
                    odd = not odd
                newlines += 1
                if not odd:
                    return at + end + 1, newlines
                cut = end + 1
            if quote and rest.count(quote, cut) % 2:
                odd = not odd
            at += len(rest)
            rest = b""


def locate(
    block: Block,
    newlines_before: int,
    quotes_before: int,
    quotes_before_end: int,
    quote: bytes | None,
) -> tuple[int, int, int]:
    """(start, end, first line) of the range of whole records cut at `block`, from the
    line ends and quotes in the file before the block's start (and quotes before its end):
    ranges located so from every block of a file cover it exactly, in order."""
    start, skipped = boundary(block.path, block.start, quotes_before, quote)
    end = block.size
    if block.end < block.size:
        end = boundary(block.path, block.end, quotes_before_end, quote)[0]
    return start, max(start, end), newlines_before + skipped + 1


def ranges(cut: list[Block], quote: bytes | None) -> list[tuple[int, int, int]]:
    """`locate` for every block, the pre-pass done here one block after another (what the
    Dask engine does on its workers, block by block)."""
    found: list[tuple[int, int, int]] = []
    newlines = quotes = 0
    for block in cut:
        if block.start == 0:
            newlines = quotes = 0
        lines, quoted = count_block(block.path, block.start, block.end, quote)
        found.append(locate(block, newlines, quotes, quotes + quoted, quote))
        newlines, quotes = newlines + lines, quotes + quoted
    return found


class NdjsonRange(NdjsonFrames):
    """Bytes [start, end) of an NDJSON file, whose first line is line `first_line` of the
    file: its chunks and items as `NdjsonFrames` gives them for the whole file."""

    def __init__(
        self, path: str | os.PathLike[str], start: int, end: int, first_line: int, **settings: Any
    ) -> None:
        super().__init__(path, **settings)
        self.start, self.end, self.first_line = start, end, first_line

    def _opened(self) -> tuple[IO[bytes], int, int]:
        return _window(self.path, self.start, self.end), self.first_line, self.start

    def record_chunks(self) -> ChunkReader | None:
        """None: a range is read item by item (`__iter__`), never as the whole file."""
        return None

    def __iter__(self) -> Iterator[SourceItem]:
        file = _window(self.path, self.start, self.end)
        self._open_files.append(file)
        try:
            yield from self.read_lines(file, self.first_line, self.start)
        finally:
            file.close()
            if file in self._open_files:
                self._open_files.remove(file)


#: What the csv module says of a record still inside quotes at the end of its text.
_OPEN_QUOTE = "unexpected end of data"
#: "<file>, line N: reason" as CsvSource words an unreadable record.
_CSV_LINE = re.compile(r"^(.*), line (\d+): ")


class CsvRange(CsvSource):
    """Bytes [start, end) of a CSV file, whose first line is line `first_line` of the file.
    The delimiter, header and columns are the whole file's (read from its head); a range
    after the first holds no header."""

    def __init__(
        self, path: str | os.PathLike[str], start: int, end: int, first_line: int, **settings: Any
    ) -> None:
        super().__init__(path, **settings)
        self.start, self.end, self.first_line = start, end, first_line
        if start > 0:
            self.has_header = False  # the columns stay the head's
        #: Set when the range ended inside a quoted field (then iterating raised).
        self.split_inside_quotes = False

    def __iter__(self) -> Iterator[SourceItem]:
        raw = _window(self.path, self.start, self.end)
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")
        self._open_files.append(text)
        shift = self.first_line - 1
        last = self.end >= self.path.stat().st_size
        try:
            for item in self._items(text):
                if not last and item.error and _OPEN_QUOTE in item.error:
                    self.split_inside_quotes = True
                    raise SourceUnreadable(
                        f"bytes {self.start}–{self.end} end inside a quoted field: a quote "
                        "stands inside an unquoted field somewhere before (RFC 4180 quotes "
                        "whole fields), so line ends cannot tell where records start; this "
                        "file cannot be split",
                        target=self.name,
                    )
                if not shift:
                    yield item
                    continue
                line = (item.position.line or 1) + shift
                error = item.error
                if error is not None:
                    error = _CSV_LINE.sub(rf"\g<1>, line {line}: ", error, count=1)
                yield SourceItem(Position(line=line), item.record, error, item.raw)
        finally:
            text.close()
            self._open_files.remove(text)
