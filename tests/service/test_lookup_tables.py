"""Lookup table files and the filter check, through the service."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from fieldwright.service import (
    DataError,
    FilterCounts,
    InvalidRequest,
    check_filter,
    read_table_file,
    sample_filter,
)


def test_two_csv_columns_under_a_header_become_rows(tmp_path: Path) -> None:
    path = tmp_path / "stages.csv"
    path.write_text("code,label\nlead,L\ncustomer,C\n,\n", encoding="utf-8")
    assert read_table_file(path) == [("lead", "L"), ("customer", "C")]


def test_an_xlsx_sheet_keeps_value_types_and_keys_become_text(tmp_path: Path) -> None:
    path = tmp_path / "tiers.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Other"
    tiers = book.create_sheet("Tiers")
    for row in (["tier", "discount"], [1, 0.1], [2.0, 5]):
        tiers.append(row)
    book.save(path)
    assert read_table_file(path, sheet="Tiers") == [("1", 0.1), ("2", 5)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,label\nlead,L\nlead,X\n", r"stages\.csv, line 3: key 'lead' is already in"),
        ("code,label\n,L\n", r"stages\.csv, line 2: the key \(first column\) is empty"),
        ("code\nlead\n", r"stages\.csv, line 2: a lookup table needs two columns"),
    ],
)
def test_a_bad_row_names_the_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "stages.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_table_file(path)


def test_a_missing_file_is_a_data_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv"):
        read_table_file(tmp_path / "nope.csv")


def test_check_filter_names_the_problem_or_none() -> None:
    assert check_filter("stage != 'lost'") is None
    assert check_filter("   ") is None
    assert check_filter("stage ==") == (
        "invalid JMESPath expression: incomplete: something is missing at the end"
    )
    assert check_filter("archived == && x") == (
        'invalid JMESPath expression: invalid token: Parse error at column 12, token "&&" (AND)'
    )
    unknown = check_filter("lenght(tags) > `0`")
    assert unknown is not None and "did you mean length" in unknown


def test_sample_filter_counts_what_a_run_would_keep_drop_and_fail() -> None:
    records = [{"n": 1}, {"n": 5}, {"n": "x"}, {}]
    assert sample_filter("n > `2`", records) == FilterCounts(kept=1, dropped=2, failed=1)
    with pytest.raises(InvalidRequest, match="filter: invalid JMESPath expression"):
        sample_filter("n >", records)
