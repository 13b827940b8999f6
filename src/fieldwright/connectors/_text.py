"""Shared helpers of the text connectors: encodings, cell values, column names."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from fieldwright.connectors.errors import SourceUnreadable
from fieldwright.connectors.hints import where_to_set

__all__ = [
    "ESCAPED_BYTE",
    "cell_text",
    "lookup_column",
    "open_binary",
    "resolve_encoding",
    "undecodable",
    "unique_columns",
]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: A byte the decoder could not read, kept as a lone surrogate (errors="surrogateescape").
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def resolve_encoding(head: bytes, encoding: str | None, *, target: str) -> str:
    """The codec to read a file with, from its first bytes and the user's setting.

    Without a setting the byte-order mark decides (UTF-8, UTF-16, UTF-32) and
    UTF-8 is the default. A UTF-8 setting also strips a byte-order mark, so it
    never ends up in the first column name.
    """
    if encoding is None:
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name
        if _looks_utf16(head):
            raise SourceUnreadable(
                "looks like UTF-16 without a byte-order mark; "
                "set the encoding to 'utf-16-le' or 'utf-16-be' "
                f"({where_to_set('encoding')})",
                target=target,
            )
        return "utf-8-sig"
    try:
        info = codecs.lookup(encoding)
    except LookupError as exc:
        raise SourceUnreadable(
            f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'utf-16', 'cp1252' or 'latin-1'",
            target=target,
        ) from exc
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _looks_utf16(head: bytes) -> bool:
    """NUL bytes in at least a third of the even or of the odd places: UTF-16 text."""
    if b"\x00" not in head:
        return False
    third = len(head) // 6
    return head[0::2].count(0) > third or head[1::2].count(0) > third


def undecodable(text: str, encoding: str) -> str | None:
    """Describe the first byte `text` could not decode (surrogate-escaped), or None."""
    found = ESCAPED_BYTE.search(text)
    if found is None:
        return None
    byte = ord(found.group()) - 0xDC00
    hint = (
        f" (is the file Windows-1252? set encoding='cp1252': {where_to_set('encoding')})"
        if "utf-8" in encoding
        else ""
    )
    return (
        f"byte 0x{byte:02x} at character {found.start() + 1} cannot be decoded as {encoding}{hint}"
    )


def unique_columns(names: Iterable[str]) -> list[str]:
    """Column names usable as record keys: blanks become `column_N`, repeats get `_2`, `_3`."""
    result: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(names, start=1):
        name = raw.strip() or f"column_{number}"
        candidate, suffix = name, 2
        while candidate in seen:
            candidate = f"{name}_{suffix}"
            suffix += 1
        seen.add(candidate)
        result.append(candidate)
    return result


_MISSING = object()


def lookup_column(record: dict[str, Any], column: str) -> Any:
    """The value of `column` in `record`: a literal key first, else a dotted path into objects."""
    value = record.get(column, _MISSING)
    if value is not _MISSING:
        return value
    if "." not in column:
        return None
    node: Any = record
    for part in column.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def cell_text(value: Any) -> str:
    """A value as the text of one CSV cell: JSON for lists and objects, empty for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return orjson.dumps(value, default=str).decode()
    return str(value)


def open_binary(path: Path) -> BinaryIO:
    """Open a source file for reading, or say clearly why it cannot be."""
    if not path.exists():
        raise SourceUnreadable("file not found; check the path", target=str(path))
    if path.is_dir():
        raise SourceUnreadable("is a directory, not a file", target=str(path))
    try:
        return path.open("rb")
    except OSError as exc:
        raise SourceUnreadable(f"cannot open ({exc.strerror})", target=str(path)) from exc
