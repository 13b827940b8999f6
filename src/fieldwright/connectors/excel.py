"""Excel .xlsx workbooks: a streaming sheet source and an atomic write-only sink."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from fieldwright.connectors._text import lookup_column, open_binary, unique_columns
from fieldwright.connectors._unwritable import json_problem, non_finite, surrogate
from fieldwright.connectors.atomic import FileSink
from fieldwright.connectors.errors import ConnectorError, SinkError, SourceUnreadable
from fieldwright.connectors.hints import where_to_set
from fieldwright.domain.records import Position, Record, RejectedRecord, SourceItem

__all__ = ["XlsxSink", "XlsxSource"]

_TIME_FORMAT = re.compile(r"[hs]", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_NAIVE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


def _json_value(value: Any, number_format: str) -> Any:
    """A cell value as JSON: dates and times become ISO strings."""
    if isinstance(value, datetime):
        has_time = value.time() != time(0) or _TIME_FORMAT.search(number_format or "")
        return value.isoformat() if has_time else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


class XlsxSource:
    """Records of one sheet of an .xlsx workbook, one per row under a header row.

    `sheet` is the sheet's name (default: the first sheet). Row `header_row`
    (1-based) names the columns; blank and repeated names become
    ``column_N`` and ``name_2``. Empty cells are None (unlike CSV, Excel has
    empty cells); rows with no value at all are skipped. Dates become ISO
    strings (a date-only format gives ``YYYY-MM-DD``), formulas give their
    cached value. A row with values beyond the header's columns is
    unreadable. Positions carry the sheet and the row.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, sheet: str | None = None, header_row: int = 1
    ) -> None:
        self.path = Path(path)
        if header_row < 1:
            raise ConnectorError("header_row counts from 1", target=self.name)
        self.header_row = header_row
        open_binary(self.path).close()
        self._workbook = self._load()
        try:
            self.sheet = sheet or self._workbook.sheetnames[0]
            if self.sheet not in self._workbook.sheetnames:
                raise SourceUnreadable(
                    f"no sheet {sheet!r}; the sheets are: {', '.join(self._workbook.sheetnames)}",
                    target=self.name,
                )
            header = next(self._rows(header_row, header_row), ())
            cells = ["" if cell.value is None else str(cell.value) for cell in header]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                raise SourceUnreadable(
                    f"sheet {self.sheet!r}, row {header_row}: the header row is empty; "
                    "set header_row to the row that names the columns "
                    f"({where_to_set('header_row')})",
                    target=self.name,
                )
            self.columns = unique_columns(cells)
        except BaseException:
            self._workbook.close()
            raise

    @property
    def name(self) -> str:
        return str(self.path)

    def _load(self) -> WorkbookType:
        try:
            return load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
            raise SourceUnreadable(
                f"not an Excel .xlsx workbook ({exc}); save it as .xlsx or export it to CSV",
                target=self.name,
            ) from exc

    def _rows(self, first: int, last: int | None = None) -> Iterator[tuple[Any, ...]]:
        worksheet = self._workbook[self.sheet]
        assert isinstance(worksheet, ReadOnlyWorksheet)
        return worksheet.iter_rows(min_row=first, max_row=last)

    def __iter__(self) -> Iterator[SourceItem]:
        width = len(self.columns)
        for number, row in enumerate(self._rows(self.header_row + 1), start=self.header_row + 1):
            values = [_json_value(cell.value, getattr(cell, "number_format", "")) for cell in row]
            if all(value is None or value == "" for value in values):
                continue
            position = Position(sheet=self.sheet, row=number)
            extra = [value for value in values[width:] if value is not None and value != ""]
            if extra:
                yield SourceItem(
                    position=position,
                    record=None,
                    error=f"{self.path.name}, sheet {self.sheet!r}, row {number}: values beyond "
                    f"the {width} columns of the header (first: {extra[0]!r})",
                    raw=orjson.dumps(values, default=str).decode(),
                )
                continue
            values += [None] * (width - len(values))
            record: Record = dict(zip(self.columns, values[:width], strict=True))
            yield SourceItem(position=position, record=record)

    def close(self) -> None:
        self._workbook.close()


def _cell_value(value: Any, convert_dates: bool) -> Any:
    if value is None or isinstance(value, bool | int | float | datetime | date | time):
        return value
    if isinstance(value, str):
        if convert_dates and len(value) <= 26:
            if _ISO_DATE.fullmatch(value):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    return value
            if _ISO_NAIVE_DATETIME.fullmatch(value):
                try:
                    return datetime.fromisoformat(value)
                except ValueError:
                    return value
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list | tuple):
        return orjson.dumps(value, default=str).decode()
    return str(value)


#: The most characters an Excel cell holds.
CELL_MAX_CHARS = 32_767
#: What XML 1.0 (the file format) cannot hold: control characters (openpyxl's
#: ILLEGAL_CHARACTERS_RE) and lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _unwritable_row(columns: list[str], row: list[Any]) -> tuple[str, str] | None:
    """(the column, why) of the first cell of `row` Excel cannot hold, or None."""
    for column, value in zip(columns, row, strict=True):
        if isinstance(value, str):
            if len(value) > CELL_MAX_CHARS:
                return column, (
                    f"the value has {len(value):,} characters, more than an Excel cell holds "
                    f"({CELL_MAX_CHARS:,})"
                )
            found = _NOT_XML.search(value)
            if found is not None:
                reason = surrogate(value)
                return column, reason or (
                    f"the value holds a control character ({found.group()!r}) that Excel "
                    "cannot store"
                )
        elif isinstance(value, float):
            kind = non_finite(value)
            if kind:
                return column, f"{kind}, which an Excel cell cannot hold"
    return None


class XlsxSink(FileSink):
    """Writes records to one sheet of a new .xlsx workbook (write-only, streamed), atomically.

    Columns as for CSV (dotted names read nested objects; lists and objects
    are written as JSON text). With `convert_dates` ISO date strings
    (``YYYY-MM-DD``) and ISO date-times without a time zone become real Excel
    dates; Excel has no time zones, so zoned date-times stay text.
    """

    format_name = "Excel"

    def __init__(
        self,
        path: str | os.PathLike[str],
        columns: list[str],
        *,
        sheet_name: str = "Sheet1",
        convert_dates: bool = True,
        schema_version: str = "1",
    ) -> None:
        if not columns:
            raise SinkError("an Excel sink needs at least one column", target=str(path))
        super().__init__(path, schema_version=schema_version)
        self.columns = list(columns)
        self.convert_dates = convert_dates
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(sheet_name)
        self._sheet.append(self.columns)

    def _write_records(self, records: Sequence[Record]) -> list[RejectedRecord]:
        rejected: list[RejectedRecord] = []
        columns, convert = self.columns, self.convert_dates
        for index, record in enumerate(records):
            try:
                row = [_cell_value(lookup_column(record, c), convert) for c in columns]
            except TypeError:  # a list or object that JSON cannot hold
                rejected.append(self._unwritable_json(index, record))
                continue
            problem = _unwritable_row(columns, row)
            if problem is not None:
                column, reason = problem
                rejected.append(RejectedRecord(index, f"column {column!r}: {reason}", column))
                continue
            self._sheet.append(row)
        return rejected

    def _unwritable_json(self, index: int, record: Record) -> RejectedRecord:
        for column in self.columns:
            problem = json_problem(lookup_column(record, column), column)
            if problem is not None:
                path, reason = problem
                return RejectedRecord(
                    index, f"column {column!r} cannot be written as JSON: {path}: {reason}", column
                )
        return RejectedRecord(index, "a cell cannot be written as JSON")

    def _finish(self) -> None:
        self._workbook.save(self._out)

    def abort(self) -> None:
        if self._state != "open":
            return
        super().abort()
        # Finish the sheet's row writer and delete its temporary XML file now, not at exit.
        self._sheet.close()
        writer = getattr(self._sheet, "_writer", None)
        cleanup = getattr(writer, "cleanup", None)
        if callable(cleanup):
            cleanup()
