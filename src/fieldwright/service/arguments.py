"""Checks and live examples for a transform step's arguments, for editors that validate as you type.

Each helper answers in words an analyst can act on: a problem sentence (or None),
an example sentence, or a function's result. Nothing here raises a traceback at
the caller: failures are `InvalidRequest` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from fieldwright.engine.functions import REGISTRY, StepContext, TransformError
from fieldwright.engine.functions._expressions import ExpressionError, compile_expression
from fieldwright.engine.functions._patterns import PatternError, compile_pattern
from fieldwright.service.errors import InvalidRequest

__all__ = ["call_function", "date_format_example", "expression_problem", "pattern_problem"]


def pattern_problem(text: str) -> str | None:
    """Why `text` is not a usable regular expression (Python syntax), or None when it is."""
    if not text:
        return "the pattern is empty"
    try:
        compile_pattern(text)
    except PatternError as exc:
        return f"invalid regular expression: {exc}"
    return None


def expression_problem(text: str) -> str | None:
    """Why `text` is not a usable JMESPath expression, or None when it is."""
    if not text.strip():
        return "the expression is empty"
    try:
        compile_expression(text)
    except ExpressionError as exc:
        # The parser's message draws a caret under the expression on later lines; the
        # first line says what is wrong, which is what fits under a field.
        first = str(exc).splitlines()[0].rstrip(":")
        return f"invalid JMESPath expression: {first}"
    return None


def _moment(value: Any) -> date | datetime | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for read in (date.fromisoformat, datetime.fromisoformat):
            try:
                return read(value.strip())
            except ValueError:
                continue
    return None


def date_format_example(fmt: str, value: Any = None, *, now: datetime | None = None) -> str:
    """A sentence showing what the strftime/strptime format `fmt` looks like.

    With an ISO date or datetime `value` that one is formatted, else the current
    time (or `now`); with other text `value`, what the format reads it as. A
    format that cannot work raises `InvalidRequest` saying why.
    """
    if not fmt:
        raise InvalidRequest("the format is empty")
    if "%" not in fmt:
        raise InvalidRequest(
            f"{fmt!r} has no % directive (like %d, %m, %Y), so it never changes with the date"
        )
    moment = _moment(value)
    if isinstance(value, str) and moment is None:
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError as exc:
            raise InvalidRequest(f"{fmt!r} does not read {value!r}: {exc}") from None
        read = parsed.isoformat() if parsed.time() != datetime.min.time() else parsed.date()
        return f"{value!r} reads as {read}"
    if moment is not None:
        shown: date | datetime = moment
        label = moment.isoformat()
    else:
        shown = now or datetime.now().astimezone().replace(microsecond=0)
        label = "now"
    try:
        written = shown.strftime(fmt)
    except ValueError as exc:
        raise InvalidRequest(f"{fmt!r} is not a valid date format: {exc}") from None
    return f"{label} → {written!r}"


def call_function(
    name: str,
    value: Any,
    args: Sequence[Any],
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
    record: Mapping[str, Any] | None = None,
) -> Any:
    """`name(value, *args)` as a step would compute it, for a live example.

    Raises `InvalidRequest` naming the problem: an unknown function, arguments
    that do not fit, or the function refusing the value.
    """
    spec = REGISTRY.get(name)
    if spec is None:
        raise InvalidRequest(f"there is no function {name!r}")
    tables = dict(lookups or {})
    prepared, problems = spec.prepare(list(args), tables)
    if problems:
        raise InvalidRequest("; ".join(message for _index, message in problems))
    if value is None and spec.null_passthrough:
        return None
    try:
        if spec.context:
            context = StepContext(record=dict(record or {}), lookups=tables)
            return spec.impl(context, value, *prepared)
        return spec.impl(value, *prepared)
    except TransformError as exc:
        raise InvalidRequest(f"{name} gives an error for {value!r}: {exc}") from None
