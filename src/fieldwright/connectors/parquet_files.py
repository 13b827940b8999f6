"""Parquet files read a batch of rows at a time: records for the row engine, frames for columnar.

A `ParquetSource` reads its file through Polars (`scan_parquet`, one slice of
`batch_rows` rows at a time: Polars skips the row groups before the slice, so
memory holds one batch, never the whole file). Iterating it yields one
`SourceItem` per row; `chunks()` yields `ParquetChunk`s, the same rows as a
frame for the columnar engine. Both come from one frame per batch whose
columns are already the mapping's values (the table below), computed by
Polars once, so the two engines see the same values by construction.

A record is a row: a dict of its columns in the file's order. Its position
is its row in the file, counted from 1 across row groups (`row 7`): a
dead letter and an error name ``<file>, row 7``.

==========================================  ===========================================
Parquet / Arrow type                        value in the record
==========================================  ===========================================
null                                        None
boolean                                     True / False
int8 … int64, uint8 … uint64                int
float32 / float64                           float (a float32's exact value as a double;
                                            NaN and ±inf stay floats: JSON outputs refuse
                                            them as the record's dead letter)
decimal(p, s)                               a number, as the engine writes a decimal
                                            (`$decimal`): an int when whole, else the
                                            nearest float (`12.50` → 12.5); digits beyond
                                            a double's 15–17 are lost, as in the SQL source
string, large string, categorical, enum     str
binary, large binary, fixed-size binary     its base64 text (RFC 4648, padded)
date                                        ISO text ``2024-05-01``
timestamp (datetime)                        ISO text ``2024-05-01T09:30:00``, with the
                                            fraction when not zero (6 digits, 9 for
                                            nanoseconds that are not whole microseconds)
                                            and, for a zoned timestamp, its offset in
                                            its zone (``+02:00``)
time                                        ISO text ``09:30:00`` (fraction as above)
duration                                    seconds (float), as the SQL source reads an
                                            interval
list, large list, fixed-size list           list of the items' values
struct                                      dict of the fields' values, in field order
other (object, extension types)             refused when the file is opened, naming the
                                            column and its type
==========================================  ===========================================

A file that is not Parquet, is truncated (no footer) or whose bytes are
damaged raises `SourceUnreadable` naming the file (and, for a damaged batch,
its rows) instead of Polars' traceback. Polars is imported when a source is
opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldwright.connectors._text import open_binary
from fieldwright.connectors.errors import SourceUnreadable
from fieldwright.domain.records import Position, Record, SourceItem

if TYPE_CHECKING:
    from typing import TypeAlias

    import polars as pl
    from polars.datatypes.classes import DataTypeClass

    #: A column's type as Polars gives it (an instance, or a class for a plain type).
    DType: TypeAlias = pl.DataType | DataTypeClass

__all__ = ["BATCH_ROWS", "ParquetChunk", "ParquetSource", "plain_number"]

#: Rows per batch (a record batch of the row engine, a chunk of the columnar engine).
BATCH_ROWS = 50_000
#: Parquet's magic bytes, at the start and at the end of every file.
_MAGIC = b"PAR1"
#: Beyond this a decimal's float may be on its way to infinity (engine/expressions/_values.py).
_FINITE = 1e300


def plain_number(value: Decimal) -> int | float:
    """A decimal as the engine writes one (`output` of engine/expressions/_values.py): the
    float when it has a fraction, else the int (exact at any size)."""
    result = float(value)
    if -_FINITE < result < _FINITE and not result.is_integer():
        return result
    if value == value.to_integral_value():
        return int(value)
    return result


def _plain(value: Any) -> Any:
    """`value` with every Decimal in it made a number (`plain_number`)."""
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class _Unsupported(Exception):
    """A column type the source cannot turn into record values."""


def _fraction(expr: pl.Expr, head: str, tail: str) -> pl.Expr:
    """ISO text of a datetime or time: `head` + a fraction of 6 or 9 digits when there is
    one, + `tail` (the zone's offset)."""
    import polars as pl

    nanos = expr.dt.nanosecond()
    return (
        pl.when(nanos % 1000 != 0)
        .then(expr.dt.strftime(f"{head}%.9f{tail}"))
        .when(nanos != 0)
        .then(expr.dt.strftime(f"{head}%.6f{tail}"))
        .otherwise(expr.dt.strftime(f"{head}{tail}"))
    )


def _values(expr: pl.Expr, dtype: DType) -> tuple[pl.Expr, bool]:
    """The expression turning a column of `dtype` into the record's values (the module's
    table), and whether it changes anything; decimals with a fraction stay decimals (Python
    makes them numbers: `_plain`)."""
    import polars as pl

    if dtype in (pl.Boolean, pl.String, pl.Int64, pl.Float64, pl.Null, pl.UInt64, pl.Int128):
        return expr, False
    if dtype in (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32):
        return expr.cast(pl.Int64), True
    if dtype.is_float():
        return expr.cast(pl.Float64), True
    if isinstance(dtype, pl.Decimal):
        if dtype.scale == 0 and (dtype.precision or 38) <= 18:  # whole numbers within int64
            return expr.cast(pl.Int64), True
        return expr, False
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return expr.cast(pl.String), True
    if dtype == pl.Binary:
        return expr.bin.encode("base64"), True
    if dtype == pl.Date:
        return expr.dt.strftime("%Y-%m-%d"), True
    if isinstance(dtype, pl.Datetime):
        return _fraction(expr, "%Y-%m-%dT%H:%M:%S", "%:z" if dtype.time_zone else ""), True
    if dtype == pl.Time:
        return _fraction(expr, "%H:%M:%S", ""), True
    if isinstance(dtype, pl.Duration):
        unit = dtype.time_unit
        if unit == "ns":
            return expr.dt.total_nanoseconds() / 1e9, True
        if unit == "ms":
            return expr.dt.total_milliseconds() / 1e3, True
        return expr.dt.total_microseconds() / 1e6, True
    if isinstance(dtype, pl.Array):
        inner, _ = _values(pl.element(), dtype.inner)
        return expr.arr.to_list().list.eval(inner), True
    if isinstance(dtype, pl.List):
        inner, changed = _values(pl.element(), dtype.inner)
        return (expr.list.eval(inner), True) if changed else (expr, False)
    if isinstance(dtype, pl.Struct):
        fields = [(f.name, *_values(expr.struct.field(f.name), f.dtype)) for f in dtype.fields]
        if not any(changed for _, _, changed in fields):
            return expr, False
        rebuilt = pl.struct([value.alias(name) for name, value, _ in fields])
        return pl.when(expr.is_not_null()).then(rebuilt), True
    raise _Unsupported(str(dtype))


def _has_decimal(dtype: DType) -> bool:
    """Whether values of `dtype` (as `_values` leaves them) may hold a Decimal."""
    import polars as pl

    if isinstance(dtype, pl.Decimal):
        return not (dtype.scale == 0 and (dtype.precision or 38) <= 18)
    if isinstance(dtype, pl.List | pl.Array):
        return _has_decimal(dtype.inner)
    if isinstance(dtype, pl.Struct):
        return any(_has_decimal(f.dtype) for f in dtype.fields)
    return False


def _polars_reason(exc: BaseException) -> str:
    """Polars' message, first line, without its "parquet: " prefix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removeprefix("parquet: ")


def _conform(expr: pl.Expr, have: DType, want: DType) -> tuple[pl.Expr, pl.Expr | None] | None:
    """`expr` (of `have`) as a column of `want` (the columnar engine's read schema), with
    the rows whose value it cannot hold exactly (to redo by rows); None when it cannot be."""
    import polars as pl

    if have == want:
        return expr, None
    if have == pl.Null:
        return expr.cast(want), None
    if isinstance(want, pl.Struct):
        if not isinstance(have, pl.Struct):
            return None
        present = {f.name: f.dtype for f in have.fields}
        parts: list[pl.Expr] = []
        doubt: pl.Expr | None = None
        for field in want.fields:
            if field.name not in present:
                parts.append(pl.lit(None, field.dtype).alias(field.name))
                continue
            got = _conform(expr.struct.field(field.name), present[field.name], field.dtype)
            if got is None:
                return None
            parts.append(got[0].alias(field.name))
            if got[1] is not None:
                doubt = got[1] if doubt is None else doubt | got[1]
        return pl.when(expr.is_not_null()).then(pl.struct(parts)), doubt
    if isinstance(want, pl.List):
        if not isinstance(have, pl.List):
            return None
        inner = _conform(pl.element(), have.inner, want.inner)
        if inner is None or inner[1] is not None:  # a doubt inside a list: not per row
            return None
        return expr.list.eval(inner[0]), None
    if want == pl.String:  # e.g. floats read as text: held as null, the rows redone
        return pl.lit(None, pl.String), expr.is_not_null()
    return None


class ParquetChunk:
    """`rows` rows of a Parquet file from row `first_row` (1-based), as the record values."""

    #: A text value is the column's own text (nothing read as text to vouch for).
    exact_text = True
    #: A float is the column's own float (the engine may keep it as a float column).
    exact_floats = True
    #: No record of a Parquet file can give a key twice.
    screened = True

    def __init__(self, source: ParquetSource, first_row: int, data: pl.DataFrame) -> None:
        self.source = source
        self.first_row = first_row
        self.data = data
        self._doubt: list[int] = []
        self._items: list[SourceItem] | None = None

    def __len__(self) -> int:
        return self.data.height

    def frame(self, schema: dict[str, pl.DataType] | None) -> pl.DataFrame | None:
        """The rows as a frame with exactly `schema`'s columns (None: every column), or None
        when a column cannot be read so (the row engine maps the chunk); the rows whose value
        a column cannot hold exactly are `suspects()`."""
        import polars as pl

        if schema is None:
            return self.data
        have = self.data.schema
        places = {name: index for index, name in enumerate(have)}
        columns: list[pl.Expr] = []
        doubts: list[pl.Expr] = []
        for name, want in schema.items():
            if name not in have:
                columns.append(pl.lit(None, want).alias(name))
                continue
            got = _conform(pl.nth(places[name]), have[name], want)
            if got is None:
                return None
            columns.append(got[0].alias(name))
            if got[1] is not None:
                doubts.append(got[1])
        try:
            frame = self.data.select(columns)
            self._doubt = (
                self.data.select(pl.any_horizontal(doubts).fill_null(False))
                .to_series()
                .arg_true()
                .to_list()
                if doubts
                else []
            )
        except pl.exceptions.PolarsError:
            return None
        return frame

    def text(self) -> pl.Series:
        """Not used: a Parquet value is never text that may stand for another JSON value
        (`exact_text`)."""
        raise NotImplementedError("a Parquet chunk has no lines of text")

    def suspects(self) -> list[int]:
        """The rows a column of the last `frame` could not hold exactly."""
        return self._doubt

    def items(self) -> list[SourceItem]:
        """Every row as the row engine reads it."""
        if self._items is None:
            source = self.source
            self._items = [
                SourceItem(Position(row=row), source.record(values))
                for row, values in enumerate(self.data.iter_rows(named=True), self.first_row)
            ]
        return self._items

    def item(self, index: int) -> SourceItem:
        if self._items is not None:
            return self._items[index]
        values = self.data.row(index, named=True)
        return SourceItem(Position(row=self.first_row + index), self.source.record(values))


class ParquetSource:
    """Records of a Parquet file, one per row, read `batch_rows` rows at a time.

    Values follow the module's table; positions are rows counted from 1. A
    file that is not Parquet, is truncated or holds a column type with no
    record value raises `SourceUnreadable` when opened; a batch Polars cannot
    decode raises it naming its rows.
    """

    def __init__(self, path: str | os.PathLike[str], *, batch_rows: int = BATCH_ROWS) -> None:
        self.path = Path(path)
        if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
            raise SourceUnreadable(
                f"batch_rows must be a whole number of at least 1, not {batch_rows!r}",
                target=self.name,
            )
        self.batch_rows = batch_rows
        self._check_magic()
        import polars as pl

        try:
            schema = pl.read_parquet_schema(self.path)
            self.rows: int = pl.scan_parquet(self.path).select(pl.len()).collect().item()
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise SourceUnreadable(
                f"not a readable Parquet file ({_polars_reason(exc)})", target=self.name
            ) from exc
        expressions: list[pl.Expr] = []
        for index, (name, dtype) in enumerate(schema.items()):
            try:  # by position: pl.col would read a name like "^a.*$" as a pattern
                expression, _ = _values(pl.nth(index), dtype)
            except _Unsupported:
                raise SourceUnreadable(
                    f"column {name!r} holds {dtype} values, which have no record value "
                    "(see the Parquet value mapping in docs/columnar.md)",
                    target=self.name,
                ) from None
            expressions.append(expression.alias(name))
        self._expressions = expressions
        #: Top-level columns whose values may hold decimals to make numbers in Python.
        self._decimals = [name for name, dtype in schema.items() if _has_decimal(dtype)]

    def _check_magic(self) -> None:
        """Say plainly what is wrong with a file that is not Parquet or was cut short."""
        with open_binary(self.path) as file:
            head = file.read(4)
            size = file.seek(0, os.SEEK_END)
            if size >= 8:
                file.seek(size - 4)
            tail = file.read(4) if size >= 8 else b""
        if head != _MAGIC:
            raise SourceUnreadable(
                "not a Parquet file (it does not start with PAR1); name the right format",
                target=self.name,
            )
        if tail != _MAGIC:
            raise SourceUnreadable(
                f"truncated or damaged Parquet file: its footer is missing ({size:,} bytes, "
                "not ending with PAR1); copy the file again",
                target=self.name,
            )

    @property
    def name(self) -> str:
        return str(self.path)

    def __len__(self) -> int:
        """The file's rows (from its footer)."""
        return self.rows

    def close(self) -> None:
        """Nothing stays open between batches."""

    def record(self, values: dict[str, Any]) -> Record:
        """A row's values (from a batch frame) as the record."""
        for name in self._decimals:
            values[name] = _plain(values[name])
        return values

    def batches(self) -> Iterator[tuple[int, pl.DataFrame]]:
        """(first row, frame) of each batch of at most `batch_rows` rows, values as the
        records hold them (but decimals with a fraction)."""
        import polars as pl

        scan = pl.scan_parquet(self.path).select(self._expressions)
        for start in range(0, self.rows, self.batch_rows):
            try:
                frame = scan.slice(start, self.batch_rows).collect()
            except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
                last = min(start + self.batch_rows, self.rows)
                raise SourceUnreadable(
                    f"rows {start + 1:,}-{last:,} cannot be read: damaged Parquet data "
                    f"({_polars_reason(exc)})",
                    target=self.name,
                ) from exc
            yield start + 1, frame

    def chunks(self) -> Iterator[ParquetChunk]:
        """The file a batch at a time, as frames for the columnar engine."""
        for first, frame in self.batches():
            yield ParquetChunk(self, first, frame)

    def __iter__(self) -> Iterator[SourceItem]:
        for first, frame in self.batches():
            for row, values in enumerate(frame.iter_rows(named=True), first):
                yield SourceItem(Position(row=row), self.record(values))
