"""Excel workbooks: written by XlsxSink, read back by XlsxSource, dates included."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from fieldwright.connectors import SourceUnreadable, XlsxSink, XlsxSource
from fieldwright.domain.records import RecordSource


def test_sink_then_source_round_trip_with_dates(tmp_path: Path) -> None:
    path = tmp_path / "timesheets.xlsx"
    sink = XlsxSink(
        path, ["id", "worker.name", "day", "clock_in", "zoned", "hours", "tags", "note"]
    )
    sink.write_batch(
        [
            {
                "id": 1,
                "worker": {"name": "Ada"},
                "day": "2025-07-24",
                "clock_in": "2025-07-24T08:30:00",
                "zoned": "2025-07-24T08:30:00+02:00",
                "hours": 7.5,
                "tags": ["site-a"],
                "note": None,
            },
            {"id": 2, "worker": {"name": "Bob"}, "day": "2025-02-30", "hours": 8},
        ]
    )
    sink.commit()

    sheet = load_workbook(path)["Sheet1"]
    assert isinstance(sheet["C2"].value, datetime) and sheet["C2"].is_date
    assert sheet["D2"].is_date and sheet["E2"].value == "2025-07-24T08:30:00+02:00"
    assert sheet["C3"].value == "2025-02-30"  # not a real date: stays text

    source = XlsxSource(path)
    assert isinstance(source, RecordSource)
    items = list(source)
    source.close()
    assert [item.record for item in items] == [
        {
            "id": 1,
            "worker.name": "Ada",
            "day": "2025-07-24",
            "clock_in": "2025-07-24T08:30:00",
            "zoned": "2025-07-24T08:30:00+02:00",
            "hours": 7.5,
            "tags": '["site-a"]',
            "note": None,
        },
        {
            "id": 2,
            "worker.name": "Bob",
            "day": "2025-02-30",
            "clock_in": None,
            "zoned": None,
            "hours": 8,
            "tags": None,
            "note": None,
        },
    ]
    assert [str(item.position) for item in items] == [
        "sheet 'Sheet1', row 2",
        "sheet 'Sheet1', row 3",
    ]


def make_workbook(path: Path) -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Notes"
    first.append(["ignored"])
    data = workbook.create_sheet("Data")
    data.append(["Report generated 2025-07-24"])
    data.append(["name", "born", "", "name"])
    data.append(["Ada", date(1815, 12, 10), "x", "dup"])
    data.append([None, None, None, None])
    data.append(["Bob", datetime(2000, 1, 1, 13, 45), None, None, "stray"])
    data.append(["Cy", None, None, None])
    data.append([])
    data.append([None])
    workbook.save(path)


def test_sheet_header_row_blank_rows_and_stray_values(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    make_workbook(path)
    source = XlsxSource(path, sheet="Data", header_row=2)
    assert source.columns == ["name", "born", "column_3", "name_2"]
    items = list(source)
    source.close()
    assert [(item.position.row, item.record) for item in items] == [
        (3, {"name": "Ada", "born": "1815-12-10", "column_3": "x", "name_2": "dup"}),
        (5, None),
        (6, {"name": "Cy", "born": None, "column_3": None, "name_2": None}),
    ]
    assert items[1].error is not None
    assert "book.xlsx, sheet 'Data', row 5: values beyond the 4 columns" in items[1].error
    assert "'stray'" in items[1].error


def test_first_sheet_by_default_and_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    make_workbook(path)
    source = XlsxSource(path)
    assert source.sheet == "Notes" and source.columns == ["ignored"]
    source.close()
    with pytest.raises(
        SourceUnreadable, match=r"book\.xlsx: no sheet 'Sales'; the sheets are: Notes, Data"
    ):
        XlsxSource(path, sheet="Sales")
    with pytest.raises(SourceUnreadable, match=r"sheet 'Data', row 4: the header row is empty"):
        XlsxSource(path, sheet="Data", header_row=4)


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("id,name\n1,Ada\n")
    with pytest.raises(SourceUnreadable, match=r"fake\.xlsx: not an Excel \.xlsx workbook"):
        XlsxSource(path)


def test_control_characters_are_refused_with_row_and_column(tmp_path: Path) -> None:
    sink = XlsxSink(tmp_path / "o.xlsx", ["id", "note"])
    [rejected] = sink.write_batch([{"id": 1, "note": "ok"}, {"id": 2, "note": "bell\x07"}])
    assert rejected.index == 1 and rejected.field == "note"
    assert re.match(r"column 'note': .*control character", rejected.reason)
    sink.abort()
    assert list(tmp_path.iterdir()) == []


def test_sheet_name_and_raw_dates_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "o.xlsx"
    sink = XlsxSink(path, ["day"], sheet_name="Export", convert_dates=False)
    sink.write_batch([{"day": "2025-07-24"}])
    sink.commit()
    sheet = load_workbook(path)["Export"]
    assert sheet["A2"].value == "2025-07-24" and not sheet["A2"].is_date
