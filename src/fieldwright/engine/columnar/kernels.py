"""Vectorised kernels: one Polars computation per library function, exact where it vouches.

A kernel takes the column a step receives and returns the step's result for
the whole column, plus a mask of the rows it does not vouch for (a value
Polars might read or write differently from Python: non-ASCII case mapping,
an integer where the function may give int or float, a date form outside the
strict ISO shapes). Those rows are computed by the row function itself, so
every value equals what the row engine computes; a value the row function
fails on fails the same way. A kernel returns None for a column type it does
not handle: the step then runs as a batch function over the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import polars as pl

from fieldwright.engine.compiler import CompiledStep
from fieldwright.engine.functions.lookups import fallback

__all__ = ["KERNEL_FUNCTIONS", "Kernel", "fits"]

#: A kernel: (the column, the step) → (result, rows not vouched for or None[, rows on which
#: the row function certainly fails]), or None.
Kernel = Callable[[pl.Series, CompiledStep], Any]

#: Every character Python's str.isspace() accepts: str.strip() and str.split() use these
#: (tests/engine/columnar/test_kernels.py checks the list against the running Python).
PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_PY_SPACE = PY_SPACE
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _PY_SPACE) + "]+"
#: Outside Latin-1 and Latin Extended-A, Polars' (Rust's) Unicode tables may be newer than
#: Python's (U+019B upper-cases differently): case mapping there is left to Python
#: (tests/engine/columnar/test_kernels.py compares every character of the range).
CASE_SURE_UPTO = 0x17F
_CASE_UNSURE = f"[^\\x00-\\x{{{CASE_SURE_UPTO:x}}}]"
_NOT_PRINTABLE_ASCII = r"[^\x20-\x7e]"
_TEXT_TYPES = (pl.String, pl.Int64, pl.Boolean, pl.Null)


def _as_text(column: pl.Series) -> pl.Series | None:
    """The column as Python's as_text writes it (integers in decimal, true/false)."""
    if column.dtype == pl.String:
        return column
    if column.dtype in (pl.Int64, pl.Boolean, pl.Null):
        return column.cast(pl.String)
    return None


def _strip(side: str) -> Kernel:
    def kernel(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
        text = _as_text(column)
        if text is None:
            return None
        (chars,) = step.args
        chars = _PY_SPACE if chars is None else chars
        method = {"both": "strip_chars", "left": "strip_chars_start", "right": "strip_chars_end"}
        return getattr(text.str, method[side])(chars), None

    return kernel


def _case(upper: bool) -> Kernel:
    def kernel(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, pl.Series] | None:
        text = _as_text(column)
        if text is None:
            return None
        result = text.str.to_uppercase() if upper else text.str.to_lowercase()
        return result, text.str.contains(_CASE_UNSURE).fill_null(False)

    return kernel


def _to_string(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
    text = _as_text(column)
    if text is None:
        return None
    return (text if step.passthrough else text.fill_null("")), None


def _normalize_whitespace(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
    text = _as_text(column)
    if text is None:
        return None
    return text.str.replace_all(_SPACE_CLASS, " ").str.strip_chars(" "), None


def _regex_replace(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, pl.Series] | None:
    text = _as_text(column)
    pattern, replacement, count = step.args
    source = getattr(pattern, "pattern", None)
    if (
        text is None
        or count != 0
        or not isinstance(source, str)
        or getattr(pattern, "_fast", None) is None  # may time out on the row path
        or "\\" in replacement
        or "$" in replacement
        or "[:" in source
        or "(?" in source.replace("(?:", "")
        or re.search(source, "") is not None
    ):
        return None
    try:
        result = text.str.replace_all(source, replacement)
    except pl.exceptions.PolarsError:
        return None
    return result, text.str.contains(_NOT_PRINTABLE_ASCII).fill_null(False)


_FIXED = frozenset({"%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d"})
_ISO = (
    r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
    r"(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?$"
)


def _format_date(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, pl.Series] | None:
    (format,) = step.args
    if column.dtype not in (pl.String, pl.Null) or format not in _FIXED:
        return None
    text = column.cast(pl.String)
    shaped = text.str.contains(_ISO).fill_null(False)
    day = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    sure = shaped & day.is_not_null()
    result = day.dt.strftime(format)
    return result, ~sure & text.is_not_null()


def _lookup(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
    table, default, ignore_case = step.args
    if column.dtype not in (pl.String, pl.Null) or ignore_case:
        return None
    keys, values = list(table.keys()), list(table.values())
    missing = fallback(table, default)
    kinds = {type(v) for v in (*values, missing) if v is not None}
    if kinds == {str}:
        dtype: pl.DataType = pl.String()
    elif kinds == {int}:
        dtype = pl.Int64()
    else:
        return None
    if not all(type(k) is str for k in keys):
        return None
    text = column.cast(pl.String)
    result = text.replace_strict(keys, values, default=missing, return_dtype=dtype)
    return result.fill_null(missing) if missing is not None else result, None


_FLOAT_TEXT = r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$|^[+-]?[0-9]+[eE][+-]?[0-9]+$"


_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_SPACE) + "]*"
_MAYBE_NUMBER = f"^{_WS}[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?{_WS}$"


def _to_number(
    column: pl.Series, step: CompiledStep
) -> tuple[pl.Series, pl.Series, pl.Series] | tuple[pl.Series, pl.Series] | None:
    if column.dtype == pl.Int64:
        return column, column.is_null() & False
    if column.dtype not in (pl.String, pl.Null):
        return None
    text = column.cast(pl.String)
    number = text.cast(pl.Float64, strict=False)
    sure = text.str.contains(_FLOAT_TEXT).fill_null(False) & number.is_finite().fill_null(False)
    # Text with no number in it fails in as_number whatever it holds (\d is Unicode's
    # digits in both Python and Polars): the row function need not be called to know.
    # (Decimal text matches _MAYBE_NUMBER: only the other rows are searched.)
    other = (~sure & text.is_not_null()).arg_true()
    fails = pl.Series([False] * len(text), dtype=pl.Boolean)
    if len(other):
        fails = fails.scatter(other, ~text.gather(other).str.contains(_MAYBE_NUMBER))
    return number, ~sure & ~fails & text.is_not_null(), fails


def _concat(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
    """Concat of a single source (several sources are joined in `concat_columns`)."""
    return None


def concat_columns(columns: list[pl.Series], step: CompiledStep) -> pl.Series | None:
    """concat over several source columns: null and "" left out (skip_empty) or kept empty."""
    separator, skip_empty = step.args
    texts = [_as_text(c) for c in columns]
    if any(t is None for t in texts):
        return None
    frame = pl.DataFrame({f"c{i}": t for i, t in enumerate(texts)})
    exprs = [pl.col(f"c{i}").fill_null("") for i in range(len(texts))]
    if skip_empty:
        exprs = [
            pl.when(pl.col(f"c{i}").is_null() | (pl.col(f"c{i}") == ""))
            .then(pl.lit(None, pl.String))
            .otherwise(pl.col(f"c{i}"))
            for i in range(len(texts))
        ]
    joined = frame.select(
        pl.concat_str(exprs, separator=separator, ignore_nulls=True).fill_null("").alias("v")
    )
    return joined.to_series()


def _title(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, pl.Series] | None:
    text = _as_text(column)
    if text is None:
        return None
    # Python's title() starts a word after any uncased character: Polars agrees on
    # ASCII letters and spaces; everything else goes to the row function.
    return text.str.to_titlecase(), text.str.contains(r"[^A-Za-z ]").fill_null(False)


def _truncate(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
    text = _as_text(column)
    length, ellipsis = step.args
    if text is None or length < len(ellipsis):
        return None
    cut = pl.select(
        pl.when(pl.lit(text).str.len_chars() <= length)
        .then(pl.lit(text))
        .otherwise(pl.lit(text).str.slice(0, length - len(ellipsis)) + ellipsis)
    ).to_series()
    return cut, None


def _to_integer(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, pl.Series] | None:
    if column.dtype == pl.Int64:
        return column, column.is_null() & False
    if column.dtype not in (pl.String, pl.Null):
        return None
    text = column.cast(pl.String)
    sure = text.str.contains(r"^[0-9]{1,18}$").fill_null(False)
    return text.cast(pl.Int64, strict=False), ~sure & text.is_not_null()


def _lookup_strict(column: pl.Series, step: CompiledStep) -> Any:
    table, ignore_case = step.args
    if column.dtype not in (pl.String, pl.Null) or ignore_case:
        return None
    keys, values = list(table.keys()), list(table.values())
    kinds = {type(v) for v in values}
    if kinds not in ({str}, {int}) or not all(type(k) is str for k in keys) or not keys:
        return None
    dtype: pl.DataType = pl.String() if kinds == {str} else pl.Int64()
    text = column.cast(pl.String)
    result = text.replace_strict(keys, values, default=None, return_dtype=dtype)
    missing = text.is_not_null() & ~text.is_in(keys)
    return result, None, missing  # a value not in the table fails the row function


def _default(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, None] | None:
    (fallback_value,) = step.args
    if not fits(column.dtype, fallback_value) or fallback_value is None:
        return None
    empty = column.is_null()
    if column.dtype == pl.String:
        empty = empty | (column.str.strip_chars(PY_SPACE) == "").fill_null(True)
    result = pl.select(
        pl.when(pl.lit(empty)).then(pl.lit(fallback_value)).otherwise(pl.lit(column))
    ).to_series()
    return result.cast(column.dtype), None


#: The words to_boolean reads, exactly as listed (other case or spaces: the row function).
_BOOLEAN_WORDS = dict.fromkeys(("true", "t", "yes", "y", "1", "on"), True) | dict.fromkeys(
    ("false", "f", "no", "n", "0", "off"), False
)


def _to_boolean(column: pl.Series, step: CompiledStep) -> tuple[pl.Series, pl.Series] | None:
    """A CSV column's usual booleans: the listed words, exactly; any other text is left to
    the row function (case, spaces, blank text, and the failures)."""
    if column.dtype == pl.Boolean:
        return column, column.is_null() & False
    if column.dtype not in (pl.String, pl.Null):
        return None
    text = column.cast(pl.String)
    words, values = list(_BOOLEAN_WORDS), list(_BOOLEAN_WORDS.values())
    result = text.replace_strict(words, values, default=None, return_dtype=pl.Boolean)
    return result, text.is_not_null() & ~text.is_in(words)


KERNEL_FUNCTIONS: dict[str, Kernel] = {
    "to_boolean": _to_boolean,
    "title": _title,
    "truncate": _truncate,
    "to_integer": _to_integer,
    "lookup_strict": _lookup_strict,
    "default": _default,
    "to_string": _to_string,
    "trim": _strip("both"),
    "trim_left": _strip("left"),
    "trim_right": _strip("right"),
    "upper": _case(True),
    "lower": _case(False),
    "normalize_whitespace": _normalize_whitespace,
    "concat": _concat,
    "regex_replace": _regex_replace,
    "format_date": _format_date,
    "lookup": _lookup,
    "to_number": _to_number,
}


def fits(dtype: pl.DataType, value: Any) -> bool:
    """Whether `value` goes into a column of `dtype` and comes back out the same."""
    if value is None:
        return True
    if dtype == pl.String:
        return type(value) is str
    if dtype == pl.Int64:
        return type(value) is int and -(2**63) <= value < 2**63
    if dtype == pl.Float64:
        return type(value) is float
    if dtype == pl.Boolean:
        return type(value) is bool
    return False
