"""Dead letters of a bounded size: an oversized input is kept as an excerpt, its size and hash.

A run keeps every failed record with its input, in the store or beside a file
run's output. An input larger than `MAX_INPUT_BYTES` of JSON (a record far
beyond what a store column or a reader wants, up to a gigabyte) would make the
store refuse the whole batch of letters ("string or blob too big") or drop the
connection, and the failed records would be lost. Such a letter keeps the first
`EXCERPT_BYTES` of the input's JSON in `raw`, and its reason says the size and
the SHA-256 of the whole, so the record can be found again at its source;
it cannot be reprocessed from the letter.
"""

from __future__ import annotations

import hashlib

import orjson

from fieldwright.domain.runs import DeadLetter

__all__ = ["EXCERPT_BYTES", "MAX_INPUT_BYTES", "bounded"]

#: The largest input (bytes of compact JSON) a dead letter keeps whole.
MAX_INPUT_BYTES = 1 << 20
#: How much of a larger input's JSON it keeps.
EXCERPT_BYTES = 4096


def bounded(letter: DeadLetter) -> DeadLetter:
    """`letter` as it is, or with an oversized input replaced by an excerpt, size and hash."""
    if letter.input is None:
        if letter.raw is not None and len(letter.raw) > EXCERPT_BYTES:
            return letter.model_copy(update={"raw": letter.raw[:EXCERPT_BYTES]})
        return letter
    try:
        data = orjson.dumps(letter.input, default=str)
    except (TypeError, orjson.JSONEncodeError):
        return letter  # the log keeps the reason it cannot be written instead
    if len(data) <= MAX_INPUT_BYTES:
        return letter
    digest = hashlib.sha256(data).hexdigest()
    note = (
        f"the input is {len(data):,} bytes of JSON (sha256 {digest}); "
        f"the dead letter keeps its first {EXCERPT_BYTES:,}"
    )
    return letter.model_copy(
        update={
            "input": None,
            "raw": data[:EXCERPT_BYTES].decode("utf-8", "replace"),
            "reason": f"{letter.reason} ({note})",
        }
    )
