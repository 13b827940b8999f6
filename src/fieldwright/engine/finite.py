"""Whether a mapping's outputs can hold a NaN or an infinity its input did not.

JSON cannot hold a NaN or an infinity (orjson writes them as null), so the JSON sinks look
into every output whose text holds a null for one, and refuse the record that has it. A run
whose source never yields such a float (JSON, whose reader refuses them, and CSV, which
yields text) and whose mapping cannot make one needs no such look: `finite_outputs` says
when a compiled mapping cannot, by a conservative reading of its fields.

A field cannot make a non-finite float when its constant, default and step arguments hold
none (a lookup table is an argument) and each of its steps is a function that cannot: one
whose result is text, a boolean, a date, a date-time or an integer by its declaration, one
that checks its number is finite (`to_number`), or one that gives back its input, an item
of it, or an argument (`default`, `coalesce`, `first`, `lookup` …). By induction over the
chain, a finite input then gives a finite output. Anything else (an expression, arithmetic,
a JMESPath query, a function returning `any` or `number` not named here) counts as able to,
and the sink keeps looking: a mapping the reading cannot vouch for costs only the look.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from fieldwright.domain.records import holds_non_finite
from fieldwright.engine.functions import REGISTRY

if TYPE_CHECKING:
    from fieldwright.engine.compiler import CompiledField, CompiledMapping

__all__ = ["FINITE_STEPS", "finite_outputs", "holds_non_finite"]

#: What a function's result is declared to be, when that alone rules out a float.
_NO_FLOAT_RETURNS: Final = frozenset({"string", "boolean", "date", "datetime", "integer"})

#: Functions declared to return a number or anything whose result is still finite when their
#: input and arguments are: `to_number` refuses a non-finite result; the others return their
#: input, an item or a value of it, or one of their arguments.
_FINITE_BY_READING: Final = frozenset(
    {
        "to_number",
        "default",
        "if_null",
        "if_empty",
        "coalesce",
        "first",
        "last",
        "nth",
        "lookup",
        "lookup_or_keep",
        "lookup_strict",
    }
)

#: Every function whose result holds no non-finite float when its input and arguments hold none.
FINITE_STEPS: Final = frozenset(
    name
    for name in REGISTRY.names()
    if name in _FINITE_BY_READING
    or getattr(REGISTRY.get(name), "returns", None) in _NO_FLOAT_RETURNS
)


def _any_non_finite(values: Iterable[Any]) -> bool:
    return any(holds_non_finite(value) for value in values)


def _field_finite(field: CompiledField) -> bool:
    mapping = field.mapping
    if field.expression is not None:
        return False
    if _any_non_finite((mapping.constant, mapping.default)):
        return False
    return all(step.name in FINITE_STEPS and not _any_non_finite(step.args) for step in field.steps)


def finite_outputs(compiled: CompiledMapping) -> bool:
    """True when no output of `compiled` can hold a NaN or an infinity that its source
    record did not hold (see the module's reading); False when it might."""
    return all(_field_finite(field) for field in compiled.fields)
