"""Split a JSON array into the bytes of its elements, streaming, in bounded memory.

The scanner does not parse values: it follows strings, escapes and brackets
with regular expressions (jumping between the characters that matter, never
a Python loop per byte) to find where each element of the array starts and
ends. Each element is then parsed on its own by a strict parser, so one bad
element is one bad record and the others are still read.

Memory is bounded by the chunk size plus `max_record_size`: an element nested
deeper than `max_depth`, or longer than `max_record_size` bytes, is not kept;
only its first `EXCERPT_BYTES` are, for the dead letters. Depth is only
counted, so a file of a million opening brackets takes no more memory than a
flat one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, NamedTuple

import orjson

__all__ = ["EXCERPT_BYTES", "Broken", "Element", "ElementScanner"]

#: How much of an element that is not kept (too deep, too large) the dead letter shows.
EXCERPT_BYTES = 4096
_CHUNK = 1 << 20

#: Whitespace as RFC 8259 has it: a form feed or a vertical tab is not whitespace.
_WS = re.compile(rb"[ \t\n\r]*+")
#: Everything up to the next bracket, complete strings included.
_FLAT = rb'(?:[^"\[\]{}]++|"(?:[^"\\]++|\\.)*+")'
_SKIP = re.compile(_FLAT + rb"*+", re.S)
#: The rest of a string, up to (not including) its closing quote or the end of the buffer.
_STRING_BODY = re.compile(rb'(?:[^"\\]++|\\.)*+', re.S)
#: A scalar: everything up to the next delimiter.
_SCALAR = re.compile(rb'[^,\]}\[{ \t\n\r"]*+')
_OPENERS = re.compile(rb"[\[{][\[{ \t\n\r]*+")
_CLOSERS = re.compile(rb"[\]}][\]} \t\n\r]*+")
_CLOSER = re.compile(rb"[\]}]")


#: An element not parsed by the scanner (`Element.value`).
UNPARSED: object = object()


class Element(NamedTuple):
    """One element of the array: its bytes, or why they were not kept."""

    offset: int  #: byte offset of its first byte in the file
    data: bytes  #: the whole element, or only its first EXCERPT_BYTES when `problem` is set
    size: int  #: its length in bytes
    problem: str | None = None  #: "nested deeper than N levels", "larger than …"
    value: object = UNPARSED  #: the parsed element, when the fast path parsed it


class Broken(Exception):
    """The array itself is malformed at `offset`: nothing after it can be trusted."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


class ElementScanner:
    """Walks a JSON document in a binary file, from `start`, a buffer at a time."""

    def __init__(
        self, file: IO[bytes], start: int, *, max_depth: int, max_record_size: int
    ) -> None:
        self._file = file
        self._buf = b""
        self._base = start  # file offset of _buf[0]
        self._pos = 0
        self._eof = False
        #: Where the bytes of the value being read start in the buffer; None when not kept.
        self._keep: int | None = None
        self._excerpt = b""
        self._problem: str | None = None
        self.max_depth = max_depth
        self.max_record_size = max_record_size

    # -- the buffer -----------------------------------------------------------------------

    @property
    def offset(self) -> int:
        """The file offset the scanner is at."""
        return self._base + self._pos

    def _more(self) -> bool:
        """Read on, keeping the value being read if it is kept; False at the end of the file."""
        if self._eof:
            return False
        keep_from = self._pos if self._keep is None else self._keep
        kept = self._buf[keep_from:]
        data = self._file.read(max(_CHUNK, len(kept)))
        if not data:
            self._eof = True
            return False
        self._buf = kept + data
        self._base += keep_from
        self._pos -= keep_from
        if self._keep is not None:
            self._keep = 0
            if self._pos > self.max_record_size:
                self._drop(None)
        return True

    def _drop(self, problem: str | None) -> None:
        """Stop keeping the value being read: keep an excerpt, and say why if known."""
        if self._keep is not None:
            self._excerpt = self._buf[self._keep : self._keep + EXCERPT_BYTES]
            self._keep = None
        self._problem = self._problem or problem

    def peek(self) -> bytes:
        """The next byte that is not whitespace (b"" at the end of the file), not consumed."""
        while True:
            self._pos = _match(_WS, self._buf, self._pos).end()
            if self._pos < len(self._buf):
                return self._buf[self._pos : self._pos + 1]
            if not self._more():
                return b""

    def expect(self, wanted: bytes, what: str) -> bytes:
        """Consume the next non-whitespace byte if it is one of `wanted`, else Broken."""
        found = self.peek()
        if not found:
            raise Broken(self.offset, f"premature end of file, expected {what}")
        if found not in wanted:
            raise Broken(self.offset, f"expected {what}, found {_show(found)}")
        self._pos += 1
        return found

    def rest_is_blank(self) -> bool:
        """Nothing but whitespace until the end of the file."""
        return self.peek() == b""

    # -- the elements of an array ---------------------------------------------------------

    def elements(self) -> Iterator[Element]:
        """The elements of the array whose '[' was just consumed, then consume its ']'.

        The common case goes fast: once an element has been scanned, the bytes
        from its last to the next one's first (``},\\n{``) are taken for the
        separator, the next element is guessed to end before the next
        separator, and orjson parses the guess. A guess that parses is the
        element (a value that starts where the element starts and parses
        whole ends where the element ends); one that does not is scanned.
        """
        if self.peek() == b"]":
            self._pos += 1
            return
        separator = b""
        while True:
            if separator:
                yield from self._guessed(separator)
            if self.peek() == b"]":  # the first ']' was seen above: this one follows a comma
                raise Broken(self.offset, "a trailing comma before ']'")
            element = self.value()
            yield element
            end = self.offset
            if self.expect(b",]", "',' or ']' after an item") == b"]":
                return
            first, last = self.peek(), end - 1 - self._base
            separator = b""
            if first in (b"{", b"[") and last >= 0 and element.problem is None:
                separator = self._buf[last : self._pos + 1]

    def _guessed(self, separator: bytes) -> Iterator[Element]:
        """Elements that end before the next `separator` and parse; stop at one that does not."""
        loads, decode_error, most = orjson.loads, orjson.JSONDecodeError, self.max_depth
        step = len(separator) - 2  # from after its first byte to the next element
        while True:
            start = self._pos
            end = self._buf.find(separator, start) + 1
            if end <= 0 or end - start > self.max_record_size:
                return
            data = self._buf[start:end]
            if data.count(b"[") + data.count(b"{") > most:
                return  # perhaps too deep: the scanner counts
            try:
                value = loads(data)
            except decode_error:
                return
            self._pos = end + step
            yield Element(self._base + start, data, end - start, None, value)

    def _too_large(self, offset: int, data: bytes, size: int) -> Element:
        return Element(
            offset,
            data[:EXCERPT_BYTES],
            size,
            f"the item is {size:,} bytes, more than max_record_size "
            f"({self.max_record_size:,}); only its first {EXCERPT_BYTES:,} bytes are kept",
        )

    # -- one value ------------------------------------------------------------------------

    def value(self, *, keep: bool = True) -> Element:
        """Consume the value that starts at the next non-whitespace byte."""
        first = self.peek()
        if not first:
            raise Broken(self.offset, "premature end of file, expected a value")
        offset = self.offset
        self._keep, self._excerpt, self._problem = self._pos, b"", None
        if not keep:
            self._drop("not kept")
        if first in b"[{":
            self._container()
        elif first == b'"':
            self._pos += 1
            self._string_rest()
        else:
            self._pos = _match(_SCALAR, self._buf, self._pos).end()
            while self._pos >= len(self._buf) and self._more():
                self._pos = _match(_SCALAR, self._buf, self._pos).end()
        size = self.offset - offset
        if size == 0:
            raise Broken(offset, f"expected a value, found {_show(first)}")
        # Read through attributes that `_more` and `_drop` may have changed.
        kept: int | None = self._keep
        problem: str | None = self._problem
        self._keep = None
        if kept is None:
            if problem is None:
                return self._too_large(offset, self._excerpt, size)
            return Element(offset, self._excerpt, size, problem)
        data = self._buf[kept : self._pos]
        if size > self.max_record_size:
            return self._too_large(offset, data, size)
        return Element(offset, data, size)

    def skip(self) -> None:
        """Consume the next value without keeping it (its depth is only counted)."""
        self.value(keep=False)

    def _string_rest(self) -> None:
        """Consume a string after its opening quote."""
        while True:
            self._pos = _match(_STRING_BODY, self._buf, self._pos).end()
            if self._pos < len(self._buf) and self._buf[self._pos] == 0x22:  # '"'
                self._pos += 1
                return
            if not self._more():
                raise Broken(self.offset, "premature end of file inside a string")

    def _container(self) -> None:
        """Consume an object or array, counting its depth."""
        depth = 0
        while True:
            self._pos = _match(_SKIP, self._buf, self._pos).end()
            if self._pos >= len(self._buf):
                if not self._more():
                    why = f" (one {self._problem})" if self._problem else ""
                    raise Broken(self.offset, f"premature end of file inside an item{why}")
                continue
            byte = self._buf[self._pos]
            if byte == 0x22:  # a string cut by the end of the buffer
                self._pos += 1
                self._string_rest()
            elif byte in b"[{":
                found = _match(_OPENERS, self._buf, self._pos)
                run = found.group()
                depth += run.count(b"[") + run.count(b"{")
                self._pos = found.end()
                if depth > self.max_depth:
                    self._drop(f"nested deeper than {self.max_depth} levels")
            else:
                found = _match(_CLOSERS, self._buf, self._pos)
                run = found.group()
                closes = run.count(b"]") + run.count(b"}")
                if closes < depth:
                    depth -= closes
                    self._pos = found.end()
                    continue
                closers = _CLOSER.finditer(run)
                last = next(m for n, m in enumerate(closers, 1) if n == depth)
                self._pos += last.end()
                return

    # -- objects on the way to the records ----------------------------------------------------

    def members(self) -> Iterator[tuple[str | None, bytes, bytes]]:
        """The members of the object whose '{' was just consumed.

        Each is (key, its raw bytes, the first byte of the value); the key is
        None when it cannot be decoded (a lone surrogate, broken UTF-8). The
        caller consumes the value (`value`, `skip`, or `open` and descend)
        before asking for the next member.
        """
        if self.peek() == b"}":
            self._pos += 1
            return
        while True:
            if self.peek() != b'"':
                raise Broken(self.offset, f"expected a key, found {_show(self.peek())}")
            key = self.value()
            self.expect(b":", "':' after a key")
            try:
                name: str | None = orjson.loads(key.data)
            except orjson.JSONDecodeError:
                name = None
            yield name, key.data, self.peek()
            if self.expect(b",}", "',' or '}' after a value") == b"}":
                return

    def open(self, bracket: bytes) -> None:
        """Consume the '[' or '{' that comes next."""
        self.expect(bracket, repr(bracket.decode()))


def _match(pattern: re.Pattern[bytes], buffer: bytes, at: int) -> re.Match[bytes]:
    """Match a pattern that can match nothing, so never fails."""
    found = pattern.match(buffer, at)
    assert found is not None
    return found


def _show(byte: bytes) -> str:
    if not byte:
        return "the end of the file"
    if 0x20 < byte[0] < 0x7F:
        return repr(byte.decode())
    return f"byte 0x{byte[0]:02x}"
