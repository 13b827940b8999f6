"""Where a streaming JSON parse failed: the byte offset from yajl's error context."""

from __future__ import annotations

__all__ = ["describe_ijson_error"]

#: yajl renders the failing byte at this column of its context line.
_CARET_COLUMN = 40
#: and shows at most this many bytes before it.
_CONTEXT_BEFORE = 30

_HINTS: tuple[tuple[bytes, str], ...] = (
    (b"NaN", "NaN is not allowed in JSON"),
    (b"Infinity", "Infinity is not allowed in JSON"),
)


def _flatten(data: bytes) -> bytes:
    return data.replace(b"\n", b" ").replace(b"\r", b" ")


def _locate(context: bytes, chunk: bytes) -> int | None:
    """The offset in `chunk` whose rendering by yajl is `context`, the first one if several."""
    after = context[_CARET_COLUMN:]
    before = context[:_CARET_COLUMN]
    flat = _flatten(chunk)
    if not after:  # the caret sits just past the end of the chunk
        shown = min(len(flat), _CONTEXT_BEFORE)
        return len(flat) if shown and flat[-shown:] == before[-shown:] else None
    found = flat.find(after)
    while found >= 0:
        shown = min(found, _CONTEXT_BEFORE)
        if flat[found - shown : found] == before[len(before) - shown :]:
            return found
        found = flat.find(after, found + 1)
    return None


def describe_ijson_error(message: str, chunk: bytes, chunk_start: int) -> tuple[int | None, str]:
    """(byte offset in the file or None, a one-line reason) for an ijson/yajl error message."""
    lines = message.split("\n")
    reason = lines[0].strip().rstrip(".") or "syntax error"
    if len(lines) < 2:
        return None, reason
    context = lines[1].encode("utf-8", "surrogateescape")
    if not context.strip():
        return None, reason  # premature end of file: the caller knows the file size
    caret = _locate(context, chunk)
    if caret is None:
        return None, reason
    position = max(0, caret - 1)  # yajl points just past the byte it choked on
    window = chunk[max(0, position - 9) : position + 9]
    for token, hint in _HINTS:
        if token in window:
            return chunk_start + position, f"{reason} ({hint})"
    rest = chunk[position:].lstrip()
    if rest[:1] in (b"]", b"}") and chunk[:position].rstrip().endswith(b","):
        return chunk_start + position, f"{reason} (a trailing comma before {rest[:1].decode()!r})"
    return chunk_start + position, reason
