"""NDJSON files read in chunks of lines, each straight into a Polars frame (the columnar engine).

A `NdjsonFrames` is a record source like `NdjsonSource` (iterating it yields the
same items, line for line) that also hands out `FrameChunk`s: a run of whole
lines, read by Polars into a typed frame on request. Polars reads far faster
than a record at a time, but it is lenient where the row reader is strict:
it skips blank lines, takes the first of duplicate keys and turns a number
in a text column into text. So a chunk gives no frame when its text has a
blank line or a byte-order mark, a frame only when Polars reads every line
with the types asked (a wrong type anywhere refuses the whole chunk), and
`items()` / `item(i)` read the chunk's lines exactly as `NdjsonSource` does
(same positions, reasons and raw text) for whatever the engine sends to the
row path. Lines whose keys repeat a key text are flagged by `suspects()`.
Polars is imported on first use only.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from fieldwright.connectors._jsonscan import EXCERPT_BYTES
from fieldwright.connectors._text import open_binary
from fieldwright.connectors.errors import SinkError
from fieldwright.connectors.json_files import MAX_RECORD_SIZE, NdjsonSink, NdjsonSource
from fieldwright.domain.records import Position, SourceItem

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CHUNK_BYTES", "FrameChunk", "KeyScreen", "NdjsonFrameSink", "NdjsonFrames"]

#: Bytes per chunk (whole lines): big enough that Polars' per-call costs vanish, small
#: enough that a chunk's text, frame and output records stay near 100 MB together.
CHUNK_BYTES = 8 << 20
#: Lines whose types fix the schema every chunk is read with (engine/columnar/frame.py).
INFER_LINES = 5_000
#: A blank (or whitespace-only) line inside a chunk: Polars would skip it silently.
_BLANK = re.compile(rb"\n[ \t\r]*\n")
_BLANK_FIRST = re.compile(rb"[ \t\r]*\n")
#: A key's text with its closing quote and colon, for the duplicate-key screen.
_KEY = r'"[^"\\]*":'


#: A key holding an escape (the exact screen flags its line: the escape may hide a duplicate).
_ESCAPED_KEY = r'\\[^"]*"[ \t\r]*:'


def _plain_lines() -> pl.Expr:
    """Lines with no escape in a key and no white space before a colon: the fast screens'
    ground (`KeyScreen`)."""
    import polars as pl

    line = pl.col("line")
    return ~line.str.contains(_ESCAPED_KEY) & ~line.str.contains(r"[ \t\r]:")


class KeyScreen:
    """The duplicate-key screen of a file's chunks, a fast pass then the exact one.

    The exact screen (`exact`) pulls every key text out of every line (a list of
    strings per line, the costly part) and flags a line where a key text repeats,
    a key holds an escape or white space stands before a colon. The fast pass
    clears a line without that: it counts the line's key ends (`":`) and which of
    the file's known key texts (`"name":`, learnt from the lines the exact screen
    saw) it holds. A key text holds no quote, so two known keys never end at the
    same `":` and each known key present takes at least one: when the count of key
    ends equals the number of known keys present, each is there once and there is
    no other key, so the exact screen would not flag the line. A line with an
    escape in a key or white space before a colon, or whose counts differ (an
    unknown key, a repeated one, a `\":` inside a text) goes to the exact screen.
    (A backslash in a value is no matter: a value holds no quote that is not
    escaped, so none of its `":` ends a known key; one that is `\":` is a key
    end too many.) The mapper may also say where its frame read a value
    (`suspects(text, present)`): each such value stands for its key's text, so
    those keys need no search on lines that add up.
    """

    #: Known key texts at most (a literal search each per chunk).
    MAX_KEYS = 48
    #: Lines of the first chunk the exact screen reads to learn the key texts.
    LEARN_LINES = 2_000

    def __init__(self) -> None:
        self.known: list[str] = []
        self.fast = True
        #: One screen at a time: the run loop may screen a chunk on its reading thread
        #: (engine/columnar/run.py) while it screens another itself.
        self._lock = threading.Lock()

    @staticmethod
    def exact(text: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Per line: whether it is a suspect, and its key texts."""
        keys = text.str.extract_all(_KEY)
        # A key with white space before its colon is not in `keys`: its line is a suspect.
        flagged = (
            (keys.list.n_unique() < keys.list.len())
            | text.str.contains(_ESCAPED_KEY)
            | text.str.contains(r'"[ \t\r]+:')
        )
        return flagged, keys

    def learn(self, keys: pl.Series) -> None:
        room = self.MAX_KEYS - len(self.known)
        if room <= 0:
            return
        seen = set(self.known)
        new = [k for k in keys.explode().drop_nulls().unique().sort().to_list() if k not in seen]
        self.known += new[:room]

    def suspects(
        self, text: pl.Series, present: Mapping[str, pl.Series] | None = None
    ) -> list[int]:
        """The indexes of `text`'s lines the exact screen flags. `present` (a key text such
        as `"name":` → a mask over the lines) may say where a line certainly holds a key
        text: where Polars read a value that is not null from that key (the frame the lines
        were read into). Such a line is cleared without searching for those keys, when its
        count of key ends equals the keys the masks hold plus the other known keys it holds
        (each mask stands for at least one occurrence of its key text, so the count of key
        ends is at least that sum, and only equals it when every key is there once); the
        other lines go through the fast pass, and its doubtful lines to the exact screen."""
        with self._lock:
            return self._suspects(text, present)

    def _suspects(self, text: pl.Series, present: Mapping[str, pl.Series] | None) -> list[int]:
        import polars as pl

        if not self.known and self.fast:
            self.learn(self.exact(text.head(self.LEARN_LINES))[1])
        if not self.fast or not self.known:
            return self.exact(text)[0].arg_true().to_list()
        known = set(self.known)
        hints = {key: mask for key, mask in (present or {}).items() if key in known}
        if not hints:
            return self._screened(text, len(text))
        line = pl.col("line")
        held = [pl.col(f"h{n}").cast(pl.UInt32) for n in range(len(hints))] + [
            line.str.contains(key, literal=True).cast(pl.UInt32)
            for key in self.known
            if key not in hints
        ]
        ends = line.str.count_matches('":', literal=True)
        cleared = (ends == pl.sum_horizontal(held)) & _plain_lines()
        frame = pl.DataFrame(
            [text.alias("line"), *(mask.alias(f"h{n}") for n, mask in enumerate(hints.values()))]
        )
        rest = frame.select(pl.arg_where(~cleared)).to_series()
        if rest.is_empty():
            return []
        flagged = self._screened(text.gather(rest), len(text))
        return rest.gather(flagged).to_list() if flagged else []

    def _screened(self, text: pl.Series, total: int) -> list[int]:
        """The fast pass over `text` (every known key searched for), then the exact screen
        for the lines it does not clear (`total`: the lines of the chunk `text` is from)."""
        import polars as pl

        line = pl.col("line")
        present = [line.str.contains(key, literal=True).cast(pl.UInt32) for key in self.known]
        cleared = (
            line.str.count_matches('":', literal=True) == pl.sum_horizontal(present)
        ) & _plain_lines()
        doubt = text.to_frame("line").select(pl.arg_where(~cleared)).to_series()
        if doubt.is_empty():
            return []
        flagged, keys = self.exact(text.gather(doubt))
        self.learn(keys)
        if len(doubt) * 2 > total:  # the known keys do not describe this file
            self.fast = False
        return doubt.filter(flagged).to_list()


class FrameChunk:
    """Whole lines of an NDJSON file, from line `first_line` at byte `first_offset`."""

    #: `suspects()` takes where the frame read values (the duplicate-key screen's help).
    takes_present = True

    def __init__(
        self,
        source: NdjsonFrames,
        first_line: int,
        first_offset: int,
        data: bytes,
        line_ends: int | None = None,
    ):
        self.source = source
        self.first_line = first_line
        self.first_offset = first_offset
        self.data = data
        #: The count of line ends in `data` (counted once: an 8 MiB count costs milliseconds).
        self.line_ends = data.count(b"\n") if line_ends is None else line_ends
        self._plain: bool | None = None
        self._lines: list[bytes] | None = None
        self._starts: list[int] | None = None
        self._items: list[SourceItem] | None = None
        self._text: pl.Series | None = None

    def __len__(self) -> int:
        """The records the chunk holds (lines, less blank ones when it has any)."""
        if self._items is not None:
            return len(self._items)
        if self._lines is not None:
            return len(self._lines)
        if self.plain():  # whole lines, each ending in a line end: count them, no split
            return self.line_ends
        return len(self.items())

    def lines(self) -> list[bytes]:
        """The chunk's lines, without their line ends."""
        if self._lines is None:
            lines = self.data.split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            self._lines = lines
        return self._lines

    def plain(self) -> bool:
        """True when every line is a non-blank line Polars reads one for one, none longer
        than the source's `max_record_size` (the row reader refuses such a line)."""
        if self._plain is None:
            data = self.data
            self._plain = (
                bool(data)
                and not (self.first_line == 1 and data.startswith(codecs.BOM_UTF8))
                and _BLANK_FIRST.match(data) is None
                and _BLANK.search(data) is None
                and not self._holds_long_line()
            )
        return self._plain

    def _holds_long_line(self) -> bool:
        """Whether a line (with its line end) is longer than `max_record_size`: only a
        chunk longer than that can hold one, so a chunk of the usual size costs nothing."""
        limit = self.source.max_record_size
        if len(self.data) <= limit:
            return False
        return max(map(len, self.data.split(b"\n"))) + 1 > limit

    @classmethod
    def too_long(
        cls, source: NdjsonFrames, line: int, offset: int, size: int, excerpt: bytes
    ) -> FrameChunk:
        """A chunk of one line longer than `max_record_size`, read past without keeping
        it: its one item is the row reader's dead letter for such a line."""
        chunk = cls(source, line, offset, excerpt, 1)
        chunk._plain = False
        reason = (
            f"the line is {size:,} bytes, more than max_record_size "
            f"({source.max_record_size:,}); only its first {EXCERPT_BYTES:,} bytes are kept"
        )
        chunk._items = [source.unreadable_line(line, offset, reason, excerpt)]
        return chunk

    def frame(self, schema: Mapping[str, pl.DataType] | None) -> pl.DataFrame | None:
        """The chunk as a frame with exactly `schema`'s columns (None: the first
        `INFER_LINES` lines, their schema inferred), or None when Polars cannot read it so
        (a wrong type, an invalid line)."""
        import polars as pl

        if not self.plain():
            return None
        try:
            if schema is None:
                head = b"\n".join(self.data.split(b"\n", INFER_LINES)[:INFER_LINES])
                return pl.read_ndjson(head, infer_schema_length=None)
            return pl.read_ndjson(self.data, schema=dict(schema))
        except (pl.exceptions.PolarsError, ValueError, OverflowError):
            return None

    def text(self) -> pl.Series:
        """The lines as a Polars string series (the chunk must be `plain`; a chunk that is
        not valid UTF-8 raises Polars' error). Split by Polars: no Python string per line."""
        import polars as pl

        if self._text is None:
            data = self._text_by_csv()
            if data is None:
                whole = pl.Series("line", [self.data], pl.Binary).cast(pl.String)
                lines = whole.str.split("\n").explode()
                data = lines.slice(0, len(lines) - 1)  # the chunk ends with a line end
            self._text = data
        return self._text

    def _text_by_csv(self) -> pl.Series | None:
        """The lines read by Polars' CSV reader as one column (a third of the cost of a
        split), when nothing in them is a field separator or a line end it would drop."""
        import polars as pl

        if b"\x00" in self.data or b"\r" in self.data:
            return None
        try:
            lines = pl.read_csv(
                self.data,
                has_header=False,
                separator="\x00",
                quote_char=None,
                schema={"line": pl.String()},
            ).to_series()
        except pl.exceptions.PolarsError:
            return None
        if len(lines) != self.line_ends or lines.has_nulls():
            return None
        return lines

    @property
    def screened(self) -> bool:
        """Whether `suspects()` flags every line where a key text repeats."""
        return self.source.check_duplicate_keys is not False

    def suspects(self, present: Mapping[str, pl.Series] | None = None) -> list[int]:
        """Lines that give some key text twice (the row reader may refuse them: a
        duplicate key) or a key with an escape (whose text may hide one). `present`: where
        the frame read a value from a key text (`KeyScreen.suspects`)."""
        if self.source.check_duplicate_keys is False:
            return []
        return self.source.key_screen.suspects(self.text(), present)

    def items(self) -> list[SourceItem]:
        """Every record of the chunk as `NdjsonSource` reads it."""
        if self._items is None:
            self._items = list(
                self.source.read_lines(io.BytesIO(self.data), self.first_line, self.first_offset)
            )
        return self._items

    def item(self, index: int) -> SourceItem:
        """Line `index` of a plain chunk as `NdjsonSource` reads it."""
        if self._starts is None:
            starts, at = [], self.first_offset
            for line in self.lines():
                starts.append(at)
                at += len(line) + 1
            self._starts = starts
        line = self.lines()[index] + b"\n"
        found = list(
            self.source.read_lines(io.BytesIO(line), self.first_line + index, self._starts[index])
        )
        return found[0]


class NdjsonFrames(NdjsonSource):
    """An NDJSON source read a chunk of lines at a time (`chunks()`), or item by item."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        check_duplicate_keys: bool = True,
        max_record_size: int = MAX_RECORD_SIZE,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        super().__init__(
            path, check_duplicate_keys=check_duplicate_keys, max_record_size=max_record_size
        )
        self.chunk_bytes = chunk_bytes
        #: The duplicate-key screen, which learns the file's key texts chunk by chunk.
        self.key_screen = KeyScreen()

    def size(self) -> int:
        """The file's size in bytes."""
        return Path(self.path).stat().st_size

    def _opened(self) -> tuple[IO[bytes], int, int]:
        """The bytes chunks are cut from, with the line number and offset they start at (a
        range of the file: connectors/partitions.py)."""
        return open_binary(self.path), 1, 0

    def chunks(self) -> Iterator[FrameChunk]:
        """The file in chunks of whole lines, about `chunk_bytes` each (a longer line is
        a chunk of its own, which the row reader cuts at `max_record_size` as usual)."""
        file, number, offset = self._opened()
        self._open_files.append(file)
        try:
            pending = b""
            limit = self.max_record_size
            while True:
                block = file.read(self.chunk_bytes)
                cut = block.rfind(b"\n") + 1
                if block and cut == 0:  # no line end yet: one long line, read on
                    pending += block
                    if len(pending) > limit:  # too long to keep: read past the rest
                        size, excerpt = self._skip_line(file, pending)
                        yield FrameChunk.too_long(self, number, offset, size, excerpt)
                        number, offset, pending = number + 1, offset + size, b""
                    continue
                if not block:  # the last line, without its end
                    if not pending:
                        return
                    data, pending = pending, b""
                else:  # whole lines: copied once (a slice of the block joined to what was left)
                    data = b"".join((pending, memoryview(block)[:cut]))
                    pending = block[cut:]
                end = len(data)
                lines = data.count(b"\n")
                if not data.endswith(b"\n"):
                    data += b"\n"
                    lines += 1
                yield FrameChunk(self, number, offset, data, lines)
                number += lines
                offset += end
        finally:
            file.close()
            if file in self._open_files:  # close() may have come first
                self._open_files.remove(file)

    def unreadable_line(self, line: int, offset: int, reason: str, text: bytes) -> SourceItem:
        """The dead letter of line `line` (at byte `offset`), as the row reader words it."""
        return self._unreadable(Position(line, offset), offset, reason, text)

    def read_lines(self, file: IO[bytes], first: int, offset: int) -> Iterator[SourceItem]:
        """The items of `file`'s lines, numbered from line `first` at byte `offset`: what
        `NdjsonSource` yields for those lines of the whole file."""
        for item in self._items(file):
            position = item.position
            line = (position.line or 1) + first - 1
            at = (position.offset or 0) + offset
            if item.record is not None:
                yield SourceItem(Position(line, at), item.record)
                continue
            error = item.error or ""
            # "<file>, line N (byte B): reason": renumber for where the chunk starts.
            head, _, reason = error.partition(": ")
            match = re.search(r"\(byte (\d+)\)$", head)
            byte = int(match.group(1)) + offset if match else at
            error = f"{self.path.name}, line {line} (byte {byte}): {reason}"
            yield SourceItem(Position(line, at), None, error, item.raw)


class NdjsonFrameSink(NdjsonSink):
    """An NDJSON sink that also takes lines already encoded (by Polars, in the bytes orjson
    writes), into the same atomic file, manifest and commit."""

    def write_lines(self, data: bytes, count: int) -> None:
        """Append `count` records given as NDJSON text (each line ending in a line end)."""
        self._require_open("write to")
        try:
            self._out.write(data)
        except OSError as exc:
            raise SinkError(f"cannot write ({exc.strerror})", target=self.name) from exc
        self.row_count += count
