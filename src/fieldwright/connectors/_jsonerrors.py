"""Why one JSON record cannot be read: the exact byte and reason, and duplicate keys.

orjson (strict RFC 8259) parses each record; when it refuses one, the
reason is made exact here: a byte that is not UTF-8 is named where it is,
with what is wrong with it, and the position orjson gives in characters is
turned into a byte offset. orjson keeps the last of duplicate keys silently;
`duplicate_key` finds them, cheaply for records that have none.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["as_written", "describe_json_error", "duplicate_key"]

_HINTS: tuple[tuple[bytes, str], ...] = (
    (b"NaN", "NaN is not allowed in JSON"),
    (b"Infinity", "Infinity is not allowed in JSON"),
    (b"-Infinity", "Infinity is not allowed in JSON"),
)

#: The end of a key: a closing quote, optional whitespace, a colon. Every key of a
#: record matches once; a string value holding an escaped quote and a colon may
#: match too, so the count is never below the number of keys in the text.
_KEY_END = re.compile(rb'"[ \t\n\r]*:')


def describe_json_error(exc: orjson.JSONDecodeError, data: bytes) -> tuple[int, str]:
    """(byte offset in `data`, a one-line reason) for orjson's refusal of `data`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        byte = data[bad.start]
        return bad.start, f"byte 0x{byte:02x} is not valid UTF-8 ({bad.reason})"
    at = len(text[: exc.pos].encode("utf-8"))
    reason = exc.msg
    for token, hint in _HINTS:
        if data.startswith(token, at):
            return at, f"{reason} ({hint})"
    return at, reason


def as_written(value: Any, data: bytes, option: int = orjson.OPT_APPEND_NEWLINE) -> bool:
    """Whether `data` is exactly what orjson writes for `value` (orjson's reading of it)
    with `option` (by default: followed by one newline).

    Such text holds no key twice (orjson writes each key once) and no integer beyond
    64 bits (orjson reads one as a float and writes it back as one), so neither check
    has to look at it. Compact JSON from orjson, or from any writer of the same form,
    passes for the cost of one encoding; other text (spaces, escapes, another float
    form) is checked the careful way.
    """
    try:
        return orjson.dumps(value, option=option) == data
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: look closer
        return False


def _key_count(value: Any) -> int:
    count = 0
    if type(value) is dict:
        count = len(value)
        for item in value.values():
            if type(item) is dict or type(item) is list:
                count += _key_count(item)
    elif type(value) is list:
        for item in value:
            if type(item) is dict or type(item) is list:
                count += _key_count(item)
    return count


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def duplicate_key(value: Any, data: bytes) -> str | None:
    """A key that appears twice in one object of `data` (already parsed as `value`), or None.

    Only a record whose text has more key endings than its objects have keys
    is parsed again, with a check on every object.
    """
    ends = len(_KEY_END.findall(data))
    if ends <= len(value) or ends <= _key_count(value):
        return None
    try:
        json.loads(data, object_pairs_hook=_refuse_duplicates)
    except _Duplicate as found:
        return found.key
    except RecursionError:
        return None  # deeper than Python's json can follow: orjson's reading stands
    return None


#: orjson reads an integer beyond 64 bits as a float: a run of 20 digits in a
#: record's text (found cheaply by mapping every digit to 0) sends the record
#: through Python's json, whose integers are exact.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_TWENTY_DIGITS = b"0" * 20


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def exact_integers(value: Any, data: bytes) -> Any:
    """`value` (orjson's reading of `data`) with its integers of 20 digits or more exact."""
    if _TWENTY_DIGITS not in data.translate(_DIGITS_AS_ZERO):
        return value
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except (RecursionError, ValueError):
        return value  # deeper than Python's json can follow: orjson's reading stands


def dumps_exact(value: Any, default: Any) -> bytes:
    """`value` as compact JSON by Python's json, for what orjson refuses to write: integers
    beyond 64 bits. Raises TypeError or ValueError as orjson would for anything else."""
    return json.dumps(
        value, default=default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
