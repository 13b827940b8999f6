"""Rows of a lookup table as the grid edits them: pasted text, and what is wrong. Qt-free.

The grid holds (key, value) rows in order, duplicates and blanks included
while the analyst types; `rows_problem` says what keeps them from being a
table and `as_table` makes the table once they can be.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pydantic import JsonValue

__all__ = ["Row", "as_table", "first_problem", "parse_pasted_rows", "rows_problem"]

Row = tuple[str, JsonValue]


def parse_pasted_rows(text: str) -> list[Row]:
    """(key, value) rows from pasted text: tab-separated (a spreadsheet's copy) or CSV.

    Each non-blank line is a row; its first two cells are the key and the value
    (a single cell is a key with an empty value). Raises `ValueError` naming the
    line of a row that has more than two cells or no key.
    """
    lines = text.splitlines()
    delimiter = "\t" if any("\t" in line for line in lines) else ","
    rows: list[Row] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > 2:
            raise ValueError(
                f"pasted line {number}: {len(cells)} cells; paste two columns (key, value)"
            )
        key = cells[0].strip()
        if not key:
            raise ValueError(f"pasted line {number}: the key (first cell) is empty")
        rows.append((key, cells[1] if len(cells) == 2 else ""))
    return rows


def first_problem(rows: Sequence[Row]) -> tuple[int, str] | None:
    """The index of the first row that keeps the rows from being a table, and why."""
    seen: dict[str, int] = {}
    for index, (key, value) in enumerate(rows):
        number = index + 1
        if not key.strip():
            if value in (None, ""):
                continue  # a row just added, not filled in yet
            return index, f"row {number} has a value but no key"
        if key in seen:
            return index, f"row {number} repeats the key {key!r} of row {seen[key]}"
        seen[key] = number
    return None


def rows_problem(rows: Sequence[Row]) -> str | None:
    """Why the rows are not a table yet (an empty or repeated key), or None."""
    found = first_problem(rows)
    return None if found is None else found[1]


def as_table(rows: Sequence[Row]) -> dict[str, JsonValue]:
    """The table of rows that `rows_problem` accepts; blank rows are left out."""
    return {key: value for key, value in rows if key.strip()}
