"""String functions: case, trimming, joining and splitting, patterns, cutting and padding.

Numbers, booleans and dates given to a string function are converted to text
first (42 → "42", true → "true", a date → "2025-07-24").
"""

from __future__ import annotations

import re
from typing import Any

from fieldwright.engine.functions._common import as_text, show
from fieldwright.engine.functions._patterns import Pattern, PatternError
from fieldwright.engine.functions.registry import (
    MAX_SIZE,
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_S = Category.STRING


def _count(count: int, what: str) -> int:
    if count < 0:
        raise TransformError(f"{what} must be zero or more, not {count}")
    return count


@function(
    "upper",
    _S,
    "Convert text to UPPER CASE.",
    returns="string",
    examples=[Example("Acme Ltd", (), "ACME LTD")],
    on_text=str.upper,
)
def upper(value: Any) -> str:
    """Convert every letter to upper case. Unicode-aware: 'straße' becomes 'STRASSE'."""
    return as_text(value).upper()


@function(
    "lower",
    _S,
    "Convert text to lower case.",
    returns="string",
    examples=[Example("Ada@Example.COM", (), "ada@example.com")],
    on_text=str.lower,
)
def lower(value: Any) -> str:
    """Convert every letter to lower case."""
    return as_text(value).lower()


@function(
    "title",
    _S,
    "Capitalize The First Letter Of Each Word.",
    returns="string",
    examples=[Example("ADA KING-LOVELACE", (), "Ada King-Lovelace")],
    on_text=str.title,
)
def title(value: Any) -> str:
    """Upper-case the first letter of each word and lower-case the rest.

    A word starts after a space or punctuation, so 'o'neil' becomes "O'Neil"
    and 'king-lovelace' becomes 'King-Lovelace'.
    """
    return as_text(value).title()


_TRIM_CHARS = Param("chars", ArgType.STRING, "characters to remove; whitespace when omitted", None)


@function(
    "trim",
    _S,
    "Remove whitespace (or given characters) from both ends.",
    returns="string",
    params=[_TRIM_CHARS],
    examples=[Example("  Ada  ", (), "Ada"), Example("--42--", ("-",), "42")],
    on_text=str.strip,
)
def trim(value: Any, chars: str | None) -> str:
    """Remove leading and trailing whitespace, or any of the given characters."""
    return as_text(value).strip(chars)


@function(
    "trim_left",
    _S,
    "Remove whitespace (or given characters) from the start.",
    returns="string",
    params=[_TRIM_CHARS],
    examples=[Example("  Ada  ", (), "Ada  "), Example("000420", ("0",), "420")],
    on_text=str.lstrip,
)
def trim_left(value: Any, chars: str | None) -> str:
    """Remove leading whitespace, or leading characters from `chars` (e.g. zeros)."""
    return as_text(value).lstrip(chars)


@function(
    "trim_right",
    _S,
    "Remove whitespace (or given characters) from the end.",
    returns="string",
    params=[_TRIM_CHARS],
    examples=[Example("  Ada  ", (), "  Ada"), Example("12.500", ("0",), "12.5")],
    on_text=str.rstrip,
)
def trim_right(value: Any, chars: str | None) -> str:
    """Remove trailing whitespace, or trailing characters from `chars`."""
    return as_text(value).rstrip(chars)


@function(
    "concat",
    _S,
    "Join several values into one text with a separator.",
    returns="string",
    params=[
        Param("separator", ArgType.STRING, "text put between the values", ""),
        Param(
            "skip_empty",
            ArgType.BOOLEAN,
            "leave out null and empty values (false keeps their place as empty text)",
            True,
        ),
    ],
    examples=[
        Example(["Ada", None, "Lovelace"], (" ",), "Ada Lovelace"),
        Example(["A", None, "C"], (";", False), "A;;C"),
        Example(["US", 42], ("-",), "US-42"),
    ],
)
def concat(value: Any, separator: str, skip_empty: bool) -> str:
    """Join the values of a multi-source field (a list) into one text.

    Numbers and booleans are converted to text. With `skip_empty` (the
    default) null and empty values are left out, so no doubled separators
    appear; otherwise they count as empty text. A single value is returned as
    text.
    """
    items = value if isinstance(value, list) else [value]
    parts: list[str] = []
    for item in items:
        if item is None or item == "":
            if not skip_empty:
                parts.append("")
            continue
        parts.append(item if type(item) is str else as_text(item))  # text: no call
    return separator.join(parts)


@function(
    "split",
    _S,
    "Split text into a list at a separator.",
    returns="list",
    params=[
        Param(
            "separator", ArgType.STRING, "where to split; any run of whitespace when omitted", None
        ),
        Param("trim_items", ArgType.BOOLEAN, "remove whitespace around each item", True),
        Param("max_splits", ArgType.INTEGER, "split at most this many times; -1 for no limit", -1),
    ],
    examples=[
        Example("red, green, blue", (",",), ["red", "green", "blue"]),
        Example("a  b c", (), ["a", "b", "c"]),
        Example("k=v=w", ("=", True, 1), ["k", "v=w"]),
    ],
)
def split(value: Any, separator: str | None, trim_items: bool, max_splits: int) -> list[str]:
    """Split text into a list of texts. Use `nth`, `first` or `last` to pick a part."""
    if separator == "":
        raise TransformError("separator must not be empty; omit it to split at whitespace")
    parts = as_text(value).split(separator, max_splits)
    return [part.strip() for part in parts] if trim_items else parts


@function(
    "replace",
    _S,
    "Replace every occurrence of a text with another.",
    returns="string",
    params=[
        Param("old", ArgType.STRING, "the text to find (exactly, case-sensitive)"),
        Param("new", ArgType.STRING, "the text to put instead"),
    ],
    examples=[Example("555.123.4567", (".", "-"), "555-123-4567")],
)
def replace(value: Any, old: str, new: str) -> str:
    """Replace every occurrence of `old` with `new`. For patterns use `regex_replace`."""
    if old == "":
        raise TransformError("the text to replace must not be empty")
    return as_text(value).replace(old, new)


def _regex_replace_text(value: str, pattern: Pattern, replacement: str, count: int) -> str:
    """regex_replace of a str (the batch path's shortcut: no conversion to text). A
    pattern that runs on the stdlib (`Pattern.fast_sub`) is called directly: the same
    text and the same error, without two calls between."""
    sub = pattern.fast_sub
    try:
        if sub is not None and count >= 0:
            try:
                return sub(replacement, value, count)
            except (re.error, IndexError) as exc:
                raise PatternError(str(exc)) from exc
        return pattern.sub(replacement, value, count=_count(count, "count"))
    except PatternError as exc:
        raise TransformError(
            f"replacement {replacement!r} does not fit pattern {pattern.pattern!r}: {exc}"
        ) from exc


@function(
    "regex_replace",
    _S,
    "Replace matches of a regular expression.",
    returns="string",
    params=[
        Param("pattern", ArgType.REGEX, "regular expression (Python syntax)"),
        Param("replacement", ArgType.STRING, r"text to put instead; \1 or \g<name> insert groups"),
        Param(
            "count", ArgType.INTEGER, "replace at most this many matches; 0 for all", 0, minimum=0
        ),
    ],
    examples=[
        Example("Order #00042", (r"\D", ""), "00042"),
        Example("2025-07-24", (r"(\d+)-(\d+)-(\d+)", r"\3.\2.\1"), "24.07.2025"),
    ],
    on_text=_regex_replace_text,
)
def regex_replace(value: Any, pattern: Pattern, replacement: str, count: int) -> str:
    r"""Replace each match of `pattern` with `replacement`.

    In the replacement, \1 (or \g<1>) inserts the first group and \g<name> a
    named group.
    """
    return _regex_replace_text(as_text(value), pattern, replacement, count)


@function(
    "regex_extract",
    _S,
    "Extract the part of text matching a regular expression.",
    returns="string | null",
    params=[
        Param("pattern", ArgType.REGEX, "regular expression (Python syntax)"),
        Param(
            "group",
            ArgType.INTEGER,
            "which group to return; 0 is the whole match; default: group 1 if there is one",
            None,
        ),
    ],
    examples=[
        Example("Invoice INV-2025-0042", (r"INV-(\d{4})",), "2025"),
        Example("Invoice INV-2025-0042", (r"INV-\d+-\d+", 0), "INV-2025-0042"),
        Example("no number here", (r"\d+",), None),
    ],
)
def regex_extract(value: Any, pattern: Pattern, group: int | None) -> str | None:
    """Search the text for the first match and return one group of it.

    Returns null when nothing matches (or the group did not take part).
    """
    if group is None:
        group = 1 if pattern.groups else 0
    if not 0 <= group <= pattern.groups:
        raise TransformError(
            f"group {group} does not exist; "
            f"pattern {pattern.pattern!r} has {pattern.groups} group(s)"
        )
    match = pattern.search(as_text(value))
    return match.group(group) if match else None


@function(
    "regex_match",
    _S,
    "Whether text contains a match of a regular expression.",
    returns="boolean",
    params=[
        Param("pattern", ArgType.REGEX, "regular expression; anchor with ^ and $ for a full match")
    ],
    examples=[
        Example("AB-1234", (r"^[A-Z]{2}-\d{4}$",), True),
        Example("AB-12", (r"^\d+$",), False),
    ],
)
def regex_match(value: Any, pattern: Pattern) -> bool:
    """True when the pattern matches somewhere in the text."""
    return pattern.search(as_text(value)) is not None


@function(
    "substring",
    _S,
    "Take part of a text by position.",
    returns="string",
    params=[
        Param(
            "start",
            ArgType.INTEGER,
            "first character, counting from 0; negative counts from the end",
        ),
        Param(
            "length",
            ArgType.INTEGER,
            "how many characters; to the end when omitted",
            None,
            minimum=0,
        ),
    ],
    examples=[
        Example("ACME-00042", (5,), "00042"),
        Example("ACME-00042", (0, 4), "ACME"),
        Example("report.csv", (-3,), "csv"),
    ],
)
def substring(value: Any, start: int, length: int | None) -> str:
    """Characters from `start` (0 is the first), `length` of them or up to the end.

    Positions past the end give empty text rather than an error.
    """
    text = as_text(value)
    if start < 0:
        start = max(len(text) + start, 0)
    if length is None:
        return text[start:]
    return text[start : start + _count(length, "length")]


_COUNT = Param("count", ArgType.INTEGER, "how many characters", minimum=0)


def _left_text(value: str, count: int) -> str:
    return value[:count] if count >= 0 else left(value, count)


@function(
    "left",
    _S,
    "The first characters of a text.",
    returns="string",
    params=[_COUNT],
    examples=[Example("20250724", (4,), "2025"), Example("AB", (5,), "AB")],
    on_text=_left_text,
)
def left(value: Any, count: int) -> str:
    """The first `count` characters (all of them when the text is shorter)."""
    return as_text(value)[: _count(count, "count")]


@function(
    "right",
    _S,
    "The last characters of a text.",
    returns="string",
    params=[_COUNT],
    examples=[Example("4111111111111111", (4,), "1111"), Example("AB", (0,), "")],
)
def right(value: Any, count: int) -> str:
    """The last `count` characters (all of them when the text is shorter)."""
    text = as_text(value)
    count = _count(count, "count")
    return text[len(text) - count :] if count < len(text) else text


_WIDTH = Param(
    "width",
    ArgType.INTEGER,
    f"the length to pad to, at most {MAX_SIZE:,}",
    minimum=0,
    maximum=MAX_SIZE,
)
_FILL = Param("fill", ArgType.STRING, "the padding text, repeated as needed", " ", min_length=1)


def _padding(text: str, width: int, fill: str) -> str:
    if fill == "":
        raise TransformError("fill must not be empty")
    missing = width - len(text)
    return (fill * (missing // len(fill) + 1))[:missing] if missing > 0 else ""


@function(
    "pad_left",
    _S,
    "Pad text on the left to a width.",
    returns="string",
    params=[_WIDTH, _FILL],
    examples=[Example(42, (6, "0"), "000042"), Example("toolong", (3, "0"), "toolong")],
)
def pad_left(value: Any, width: int, fill: str) -> str:
    """Add `fill` in front until the text is `width` characters long.

    Longer text is left as it is (use `truncate` or `right` to cut it).
    """
    text = as_text(value)
    return _padding(text, width, fill) + text


@function(
    "pad_right",
    _S,
    "Pad text on the right to a width.",
    returns="string",
    params=[_WIDTH, _FILL],
    examples=[Example("AB", (5,), "AB   "), Example("7", (4, "-."), "7-.-")],
)
def pad_right(value: Any, width: int, fill: str) -> str:
    """Add `fill` after the text until it is `width` characters long (fixed-width files)."""
    text = as_text(value)
    return text + _padding(text, width, fill)


@function(
    "truncate",
    _S,
    "Cut text to a maximum length.",
    returns="string",
    params=[
        Param("length", ArgType.INTEGER, "the maximum length, including the ellipsis", minimum=0),
        Param("ellipsis", ArgType.STRING, "text that marks a cut, e.g. '…'", ""),
    ],
    examples=[
        Example("Lovelace", (4,), "Love"),
        Example("A long description", (10, "…"), "A long de…"),
        Example("short", (10, "…"), "short"),
    ],
)
def truncate(value: Any, length: int, ellipsis: str) -> str:
    """Keep text of at most `length` characters; a cut text ends with `ellipsis`."""
    text = as_text(value)
    if _count(length, "length") < len(ellipsis):
        raise TransformError(f"length {length} is shorter than the ellipsis {ellipsis!r}")
    if len(text) <= length:
        return text
    return text[: length - len(ellipsis)] + ellipsis


@function(
    "length",
    _S,
    "The number of characters of a text.",
    returns="integer",
    examples=[Example("Ada", (), 3), Example("", (), 0)],
)
def length(value: Any) -> int:
    """The number of characters. For the number of items in a list use `count`."""
    if isinstance(value, list | dict):
        raise TransformError(
            f"length counts characters of text, not a list or object {show(value)}; "
            "use count for lists"
        )
    return len(as_text(value))
