"""The `expression` step: a JSONata expression over the record, the item and the value."""

from __future__ import annotations

from typing import Any

from fieldwright.engine.expressions import Expression, ExpressionFailed
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    Param,
    StepContext,
    TransformError,
    function,
)

__all__ = ["expression"]


@function(
    "expression",
    Category.LOGIC,
    "Compute a value from the record, the current item and the value.",
    returns="any",
    params=[
        Param(
            "expression",
            ArgType.JSONATA,
            "JSONata: field names of the record, @ the current item, $value the value",
            min_length=1,
        )
    ],
    null_passthrough=False,
    context=True,
    examples=[
        Example(3, ("$value * price",), 6, record={"price": 2}),
        Example(None, ("$decimal(price) * qty",), 59.97, record={"qty": 3, "price": 19.99}),
        Example("ada", ('$uppercase($value) & " " & last',), "ADA L", record={"last": "L"}),
    ],
)
def expression(ctx: StepContext, value: Any, compiled: Expression) -> Any:
    """Arithmetic (exact money with $decimal), comparison, and/or, `c ? a : b`, `&`,
    `??` for a missing or null value, aggregates over arrays ($sum, $count, $min, $max,
    $average) and text and number functions; see `fieldwright functions --expressions`.
    Plain names read the record, `@.name` the current item of a `[*]` target, and
    `$value` the value the step receives. A missing or null operand gives null."""
    try:
        return compiled.evaluate(ctx.record, ctx.scope, value)
    except ExpressionFailed as exc:
        raise TransformError(str(exc)) from None
