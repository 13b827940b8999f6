"""Lookup tables and the record filter, for the designer's editors.

`read_table_file` reads two columns (key, value) of a CSV, TSV or XLSX file
for a lookup table; `check_filter` says what is wrong with a filter
expression while it is typed, and `sample_filter` what it would do to the
sample records. All are stateless, like the rest of the document functions.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import JsonValue

from fieldwright.connectors import ConnectorError, open_source
from fieldwright.domain import FORMAT_VERSION, DocumentError, MappingDocument
from fieldwright.engine import RecordStatus, compile_document
from fieldwright.engine.functions._expressions import ExpressionError, compile_expression
from fieldwright.service.errors import DataError, InvalidRequest

__all__ = ["FilterCounts", "check_filter", "read_table_file", "sample_filter"]

#: How many rows a lookup table file may give (a value map, not a data set).
MAX_TABLE_ROWS = 100_000


def check_filter(expression: str) -> str | None:
    """What is wrong with a record filter (a JMESPath predicate), or None when it compiles.

    An empty expression is no filter, which is fine.
    """
    if not expression.strip():
        return None
    try:
        compile_expression(expression)
    except ExpressionError as exc:
        return f"invalid JMESPath expression: {_one_line(str(exc))}"
    return None


@dataclass(frozen=True, slots=True)
class FilterCounts:
    """What a filter does to some records: how many it keeps, drops, and cannot judge."""

    kept: int = 0
    dropped: int = 0
    #: Records the filter cannot be evaluated on (they fail in a run).
    failed: int = 0


def sample_filter(expression: str, records: Iterable[Mapping[str, Any]]) -> FilterCounts:
    """Apply a filter to `records` as a run would; raises `InvalidRequest` when it does not
    compile (see `check_filter`)."""
    document = MappingDocument(
        fieldwright=FORMAT_VERSION, key="filter_check", name="filter check", filter=expression
    )
    try:
        compiled = compile_document(document)
    except DocumentError as exc:
        raise InvalidRequest(f"filter: {check_filter(expression) or exc}") from exc
    kept = dropped = failed = 0
    for record in records:
        screened = compiled.screen(record)
        if screened is None:
            kept += 1
        elif screened.status is RecordStatus.FILTERED:
            dropped += 1
        else:
            failed += 1
    return FilterCounts(kept, dropped, failed)


def _one_line(message: str) -> str:
    """JMESPath's parse error on one line: its first line, without the echoed expression
    and the caret under it (which line up only in a fixed-width font)."""
    first = message.partition("\n")[0].removesuffix(":")
    first = first.replace(", for expression", "").replace("Invalid jmespath expression: ", "")
    if first.lower().startswith("incomplete expression"):
        return "incomplete: something is missing at the end"
    return first


def _key_text(value: Any) -> str | None:
    """A key cell as text (2 and 2.0 both give "2"); None when the cell is empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if text.strip() else None


def read_table_file(
    path: str | os.PathLike[str], *, sheet: str | None = None
) -> list[tuple[str, JsonValue]]:
    """The (key, value) rows of a lookup table file: its first two columns, under a header row.

    Keys are text; values keep their type (an Excel number stays a number).
    Raises `DataError` naming the file and the line (or sheet row) of a row that
    cannot be a table entry: an empty key, a key seen before, a missing value
    column, an unreadable line.
    """
    target = Path(path)
    settings: dict[str, Any] = {"sheet": sheet} if sheet else {}
    rows: list[tuple[str, JsonValue]] = []
    where_seen: dict[str, str] = {}
    try:
        source = open_source(target, **settings)
        try:
            for item in source:
                where = f"{target.name}, {item.position}"
                if item.record is None:
                    raise DataError(f"{where}: cannot be read: {item.error or 'unreadable'}")
                cells = list(item.record.values())
                if len(cells) < 2:
                    raise DataError(
                        f"{where}: a lookup table needs two columns (key, value); "
                        f"this file has {len(cells)}"
                    )
                key = _key_text(cells[0])
                if key is None:
                    if all(_key_text(cell) is None for cell in cells):
                        continue  # a blank line
                    raise DataError(f"{where}: the key (first column) is empty")
                if key in where_seen:
                    raise DataError(
                        f"{where}: key {key!r} is already in the table ({where_seen[key]})"
                    )
                where_seen[key] = str(item.position)
                rows.append((key, cells[1]))
                if len(rows) > MAX_TABLE_ROWS:
                    raise DataError(
                        f"{target.name}: more than {MAX_TABLE_ROWS} rows; a lookup table is "
                        "a value map, not a data set"
                    )
        finally:
            source.close()
    except ConnectorError as exc:
        raise DataError(f"{target.name}: {exc}") from exc
    return rows
