"""Error patterns: a dead letter's reason with its particulars replaced by placeholders.

``'abc' is not an integer at row 17`` and ``'x9' is not an integer at row 4``
are one pattern, ``<value> is not an integer at row <n>``, so the dashboard can
count them with a GROUP BY. The pattern is computed when a letter is stored.
"""

from __future__ import annotations

import re

__all__ = ["MAX_PATTERN", "reason_pattern"]

#: Patterns are truncated to this many characters (an indexed column).
MAX_PATTERN = 200

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|‘[^’\n]*’|“[^”\n]*”")
_DATETIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_HEX = re.compile(r"\b[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}\b|\b0x[0-9a-fA-F]+\b")
_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
_SPACES = re.compile(r"\s+")


def reason_pattern(reason: str) -> str:
    """`reason` with quoted values as ``<value>``, dates as ``<date>``, numbers as ``<n>``."""
    text = _QUOTED.sub("<value>", reason)
    text = _DATETIME.sub("<date>", text)
    text = _HEX.sub("<id>", text)
    text = _NUMBER.sub("<n>", text)
    text = _SPACES.sub(" ", text).strip().replace("\x00", "")
    if len(text) > MAX_PATTERN:
        text = text[: MAX_PATTERN - 1] + "…"
    return text
