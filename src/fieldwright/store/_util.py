"""Small helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from fieldwright.store.errors import InvalidRecord

__all__ = ["check_key", "clean"]

MAX_KEY = 200


def check_key(key: str, what: str) -> str:
    """A business key the store can index: 1-200 characters, no control characters."""
    if not key or not key.strip():
        raise InvalidRecord(f"the {what} key is empty; give it a business key")
    if len(key) > MAX_KEY:
        raise InvalidRecord(f"the {what} key {key[:40]!r}… is longer than {MAX_KEY} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key):
        raise InvalidRecord(f"the {what} key {key!r} contains control characters; remove them")
    return key


def clean(value: Any) -> Any:
    """JSON data and text with NUL characters replaced, which PostgreSQL text/jsonb refuse.

    Only used for derived, queryable columns: the canonical document text keeps
    every character (JSON escapes NUL as \\u0000).
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): clean(item) for key, item in value.items()}
    return value
