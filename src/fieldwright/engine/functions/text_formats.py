"""String functions that clean or build structured text: templates, slugs, phones, names."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from fieldwright.engine.functions._common import as_text, canonical_text, show
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_S = Category.STRING


def _normalize_whitespace_text(value: str) -> str:
    """normalize_whitespace of a str (the batch path's shortcut)."""
    return " ".join(value.split())


@function(
    "normalize_whitespace",
    _S,
    "Collapse runs of whitespace to one space and trim.",
    returns="string",
    examples=[Example("  Ada \t\n King  ", (), "Ada King")],
    on_text=_normalize_whitespace_text,
)
def normalize_whitespace(value: Any) -> str:
    """Replace every run of spaces, tabs, line breaks and no-break spaces by one space,
    and remove whitespace at both ends."""
    return " ".join(as_text(value).split())


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
    }
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@function(
    "remove_accents",
    _S,
    "Remove accents and diacritics from letters.",
    returns="string",
    examples=[
        Example("Zoë Müller-Łukasiewicz", (), "Zoe Muller-Lukasiewicz"),
        Example("Ærøskøbing", (), "AEroskobing"),
    ],
)
def remove_accents(value: Any) -> str:
    """Replace accented letters by their base letters (é → e, ñ → n, ø → o, ß → ss).

    For systems that only accept plain ASCII names. Letters of other scripts
    are left as they are.
    """
    return _strip_accents(as_text(value))


@function(
    "slugify",
    _S,
    "Make a lower-case, URL-safe identifier from text.",
    returns="string",
    params=[Param("separator", ArgType.STRING, "what replaces spaces and punctuation", "-")],
    examples=[
        Example("Crème Brûlée & Co.", (), "creme-brulee-co"),
        Example("Q3 Sales Report", ("_",), "q3_sales_report"),
    ],
)
def slugify(value: Any, separator: str) -> str:
    """Remove accents, lower-case, and replace every run of characters other than
    a-z and 0-9 by `separator`, without leading or trailing separators."""
    ascii_text = _strip_accents(as_text(value)).lower()
    return separator.join(re.findall(r"[a-z0-9]+", ascii_text))


@function(
    "to_string",
    _S,
    "Convert any value to text.",
    returns="string",
    examples=[
        Example(42, (), "42"),
        Example(True, (), "true"),
        Example(2.50, (), "2.5"),
        Example({"b": 1, "a": [1, 2]}, (), '{"a":[1,2],"b":1}'),
    ],
)
def to_string(value: Any) -> str:
    """Convert a value to text.

    Booleans become 'true'/'false', whole numbers lose a trailing '.0', dates
    and datetimes are written in ISO 8601, lists and objects as compact JSON
    with sorted keys.
    """
    return canonical_text(value)


_MAX_FORMAT_NUMBER = 1000


class _TemplateFormatter(string.Formatter):
    """str.format without attribute or index access and with bounded widths."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if not field_name or any(char in field_name for char in ".[]"):
            raise TransformError(
                f"template field {{{field_name}}} is not allowed; use a plain position like "
                "{0} or a key like {name} (no '.', '[' or ']')"
            )
        return self.get_value(field_name, args, kwargs), field_name

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str) and key in kwargs:
            found = kwargs[key]
        elif isinstance(key, int) or key.isdigit():
            position = int(key)
            if position >= len(args):
                raise TransformError(
                    f"template uses {{{key}}} but the value has {len(args)} item(s)"
                )
            found = args[position]
        else:
            known = ", ".join(sorted(kwargs)) or "none"
            raise TransformError(
                f"template uses {{{key}}} but the value has no such key (keys: {known})"
            )
        return "" if found is None else found

    def format_field(self, value: Any, format_spec: str) -> Any:
        if any(int(number) > _MAX_FORMAT_NUMBER for number in re.findall(r"\d+", format_spec)):
            raise TransformError(
                f"format spec {format_spec!r} asks for more than {_MAX_FORMAT_NUMBER} characters"
            )
        try:
            return format(value, format_spec)
        except (ValueError, TypeError) as exc:
            raise TransformError(
                f"cannot format {show(value)} with {{:{format_spec}}}: {exc}"
            ) from exc


@function(
    "format",
    _S,
    "Build text from a template with {0} or {name} placeholders.",
    returns="string",
    params=[Param("template", ArgType.STRING, "text with {0}, {1}… or {key} placeholders")],
    examples=[
        Example(["Ada", "Lovelace"], ("{1}, {0}",), "Lovelace, Ada"),
        Example({"first": "Ada", "id": 7}, ("{first} (#{id:04d})",), "Ada (#0007)"),
        Example(3.14159, ("{0:.2f} m",), "3.14 m"),
    ],
)
def format_template(value: Any, template: str) -> str:
    """Fill a template like Python's str.format.

    {0}, {1}… are the items of a list value (a multi-source field); {name} is
    a key of an object value; any other value is {0} (or {}). After a colon a
    format spec sets width, padding and decimals: {0:>8}, {0:.2f}, {0:05d}.
    Null renders as empty text. Attribute and index access ({0.x}, {0[1]})
    are not allowed.
    """
    args: Sequence[Any]
    kwargs: Mapping[str, Any]
    if isinstance(value, dict):
        args, kwargs = (), value
    elif isinstance(value, list):
        args, kwargs = value, {}
    else:
        args, kwargs = (value,), {}
    try:
        return _TemplateFormatter().vformat(template, args, kwargs)
    except ValueError as exc:
        if isinstance(exc, TransformError):
            raise
        raise TransformError(f"invalid template {template!r}: {exc}") from exc


_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)


@function(
    "normalize_phone",
    _S,
    "Normalize a phone number to international +digits form.",
    returns="string",
    params=[
        Param(
            "default_country_code",
            ArgType.STRING,
            "calling code for numbers written without one, as text, e.g. '1' or '44'",
            None,
        )
    ],
    examples=[
        Example("(555) 123-4567", ("1",), "+15551234567"),
        Example("+44 20 7946 0958", (), "+442079460958"),
        Example("020 7946 0958 ext. 12", ("44",), "+442079460958"),
        Example("0049 30 901820", (), "+4930901820"),
    ],
)
def normalize_phone(value: Any, default_country_code: str | None) -> str:
    """Write a phone number as '+' followed by its digits (E.164 style).

    Spaces, dots, dashes, parentheses and a trailing extension (x12, ext. 12)
    are removed. A number starting with '+' or '00' keeps its own country
    code; otherwise `default_country_code` is put in front, after removing a
    national trunk '0' (kept for Italy, 39) or a leading '1' of an 11-digit
    North American number. So a number stored without its '+' (e.g. as an
    integer 4930901820) must get it back first, or it is read as national.
    Fails when the result has fewer than 8 or more than 15 digits, or the
    text contains letters.
    """
    text = _EXTENSION.sub("", as_text(value)).strip()
    if re.search(r"[^\d\s().+/-]", text):
        raise TransformError(f"{show(value)} is not a phone number (unexpected characters)")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        full = digits
    elif digits.startswith("00"):
        full = digits[2:]
    elif default_country_code is None:
        raise TransformError(
            f"{show(value)} has no country code; give default_country_code (e.g. '1')"
        )
    else:
        code = default_country_code.strip().lstrip("+")
        if not re.fullmatch(r"\d{1,3}", code):
            raise TransformError(
                "default_country_code must be 1 to 3 digits like '1' or '44', "
                f"not {show(default_country_code)}"
            )
        north_american_trunk = code == "1" and len(digits) == 11 and digits.startswith("1")
        national_trunk = code != "39" and digits.startswith("0")
        full = code + (digits[1:] if north_american_trunk or national_trunk else digits)
    if len(full) < 8:
        raise TransformError(
            f"{show(value)} is too short to be a phone number ({len(full)} digits)"
        )
    if len(full) > 15:
        raise TransformError(f"{show(value)} is too long to be a phone number ({len(full)} digits)")
    return "+" + full


_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"}
_PARTICLES = {
    "van",
    "von",
    "de",
    "der",
    "den",
    "da",
    "di",
    "del",
    "della",
    "du",
    "la",
    "le",
    "st",
    "bin",
    "al",
    "ter",
    "ten",
    "dos",
    "das",
}


def _bare(word: str) -> str:
    return word.lower().strip(".,")


@function(
    "split_name",
    _S,
    "Take the first, middle or last name out of a full name.",
    returns="string | null",
    params=[
        Param(
            "part",
            ArgType.STRING,
            "which part: first, middle or last",
            choices=("first", "middle", "last"),
        )
    ],
    examples=[
        Example("Dr. Ada King Lovelace", ("first",), "Ada"),
        Example("Lovelace, Ada King", ("middle",), "King"),
        Example("Ludwig van Beethoven", ("last",), "van Beethoven"),
        Example("Cher", ("last",), None),
    ],
)
def split_name(value: Any, part: str) -> str | None:
    """Split a person's name written 'First Middle Last' or 'Last, First Middle'.

    Titles (Mr, Dr…) and suffixes (Jr, III, PhD…) are dropped; particles like
    'van', 'de' or 'von' belong to the last name. A single word is a first
    name. Returns null when the name has no such part.
    """
    text = " ".join(as_text(value).split())
    if "," in text:
        last_text, _, given_text = text.partition(",")
        given = [w for w in given_text.split() if _bare(w) not in _TITLES | _SUFFIXES]
        last = [w for w in last_text.split() if _bare(w) not in _SUFFIXES]
    else:
        words = [w for w in text.split() if _bare(w) not in _TITLES | _SUFFIXES]
        cut = len(words) - 1 if len(words) > 1 else len(words)
        while cut > 1 and _bare(words[cut - 1]) in _PARTICLES:
            cut -= 1
        given, last = words[:cut], words[cut:]
    if part == "first":
        found = given[:1]
    elif part == "middle":
        found = given[1:]
    else:
        found = last
    return " ".join(found) or None
