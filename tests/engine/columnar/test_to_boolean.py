"""The to_boolean kernel vouches only for values it reads exactly as the row function does."""

from __future__ import annotations

import polars as pl

from fieldwright.engine.columnar.kernels import KERNEL_FUNCTIONS
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.functions._errors import TransformError
from fieldwright.engine.functions.logic import to_boolean
from tests.engine.columnar.test_csv_parity import _document

VALUES = ["true", "false", "t", "f", "yes", "no", "y", "n", "1", "0", "on", "off", "TRUE",
          " yes", "Off ", "", "  ", "maybe", "2", "oui", None, "ｙｅｓ", "True"]  # fmt: skip


def test_the_kernel_agrees_with_the_row_function_where_it_vouches() -> None:
    step = compile_document(_document()).written[0].steps[0]
    result, unsure = KERNEL_FUNCTIONS["to_boolean"](pl.Series(VALUES, dtype=pl.String), step)
    vouched = 0
    for value, got, doubt in zip(VALUES, result.to_list(), unsure.to_list(), strict=True):
        if value is None:
            assert got is None and not doubt
            continue
        try:
            expected: object = to_boolean(value)
        except TransformError:
            assert doubt, value  # the row function fails: the kernel must not vouch
            continue
        if not doubt:
            vouched += 1
            assert got is expected, value
    assert vouched == 12  # the listed words, exactly


def test_a_boolean_column_passes_through() -> None:
    step = compile_document(_document()).written[0].steps[0]
    column = pl.Series([True, None, False])
    result, unsure = KERNEL_FUNCTIONS["to_boolean"](column, step)
    assert result.to_list() == [True, None, False] and not unsure.any()
