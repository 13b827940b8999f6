"""Business keys that are safe as file names: what export and import accept.

A business key such as ``mapping_QBT_WFN_ACME_20250724`` becomes a file name
when a mapping is exported to a folder (``<key>.json``), so a key must never
reach outside that folder. A safe key is 1 to 200 characters of ASCII
letters, digits, ``_``, ``-`` and ``.``, starts with a letter or a digit, and
is not a name Windows reserves (``CON``, ``NUL``, ``COM1`` …). Anything else
(``../../x``, ``/etc/passwd``, ``C:\\x``, a NUL, a space) is refused with the
reason.
"""

from __future__ import annotations

import re

__all__ = ["MAX_SAFE_KEY", "UnsafeKey", "check_safe_key", "is_safe_key"]

MAX_SAFE_KEY = 200
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{n}" for n in range(1, 10)),
        *(f"lpt{n}" for n in range(1, 10)),
    }
)


class UnsafeKey(ValueError):
    """A key that is not a safe file name; the message says why."""


def _reason(key: str) -> str | None:
    if not key:
        return "it is empty"
    if len(key) > MAX_SAFE_KEY:
        return f"it is longer than {MAX_SAFE_KEY} characters"
    if "\x00" in key:
        return "it contains a NUL character"
    if "/" in key or "\\" in key:
        return "it contains a path separator"
    if key in (".", "..") or key.startswith("."):
        return "it starts with a dot"
    if not _SAFE.fullmatch(key):
        bad = sorted({ch for ch in key if not re.fullmatch(r"[A-Za-z0-9_.-]", ch)})
        if bad:
            return f"it contains {', '.join(map(repr, bad))}"
        return "it does not start with a letter or a digit"
    if key.split(".", 1)[0].lower() in _RESERVED:
        return "Windows reserves that file name"
    return None


def is_safe_key(key: str) -> bool:
    """Whether `key` can be used as a file name in any folder without leaving it."""
    return _reason(key) is None


def check_safe_key(key: str, what: str = "mapping") -> str:
    """`key` itself, or `UnsafeKey` naming the key and why it is not a safe file name."""
    reason = _reason(key)
    if reason is not None:
        raise UnsafeKey(
            f"the {what} key {key[:80]!r} is not a safe file name ({reason}); use letters, "
            "digits, '_', '-' and '.' only, starting with a letter or a digit"
        )
    return key
