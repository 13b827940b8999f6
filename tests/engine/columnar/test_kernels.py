"""The kernels' assumptions about Python, checked against the running Python: which
characters are white space, where Polars' case mapping agrees with str.upper/lower, and
the fast type test of values put back into a column."""

from __future__ import annotations

import sys

import polars as pl
import pytest

from fieldwright.engine.columnar.frame import _fit_all
from fieldwright.engine.columnar.kernels import CASE_SURE_UPTO, PY_SPACE, fits


def test_py_space_is_every_character_python_calls_white_space() -> None:
    assert {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} == set(PY_SPACE)


@pytest.mark.parametrize("upper", [True, False])
def test_polars_maps_case_as_python_over_the_range_the_kernel_vouches_for(upper: bool) -> None:
    chars = [chr(c) for c in range(CASE_SURE_UPTO + 1)]
    words = [*chars, "".join(chars), "Weiß Straße", "ŉ İstanbul ſ"]
    series = pl.Series(words, dtype=pl.String)
    mapped = series.str.to_uppercase() if upper else series.str.to_lowercase()
    assert mapped.to_list() == [w.upper() if upper else w.lower() for w in words]


@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        (pl.String(), ["a", None, "b"]),
        (pl.String(), ["a", 1]),
        (pl.Float64(), [1.5, None]),
        (pl.Float64(), [1.5, 2]),
        (pl.Boolean(), [True, None]),
        (pl.Boolean(), [True, 1]),
        (pl.Int64(), [1, None, 2**63 - 1]),
        (pl.Int64(), [1, True]),
        (pl.Int64(), [2**63]),
        (pl.String(), []),
    ],
)
def test_the_fast_type_test_agrees_with_fits(dtype: pl.DataType, values: list[object]) -> None:
    assert _fit_all(dtype, values) == all(fits(dtype, v) for v in values)
