"""Preview trace: the value after every transform step of every field of a record.

This answers "why this value?" in the preview: the source value(s), then the
value each function produced, and the error where one occurred.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldwright.engine.compiler import STEP_ERRORS, CompiledField, CompiledMapping
from fieldwright.engine.filter_trace import FilterTrace, filter_inputs
from fieldwright.engine.paths import SourcePath
from fieldwright.engine.results import FieldError, RecordResult

__all__ = ["FieldTrace", "FilterTrace", "RecordTrace", "StepTrace", "trace_record"]


@dataclass(frozen=True, slots=True)
class StepTrace:
    index: int
    fn: str
    args: tuple[Any, ...]
    #: The value after this step; None with `skipped` when a null passed through.
    value: Any
    skipped: bool = False


@dataclass(slots=True)
class FieldTrace:
    target: str  #: with the item index for array items
    #: (source path, value) pairs; empty for a constant.
    sources: list[tuple[str, Any]]
    input: Any
    steps: list[StepTrace] = field(default_factory=list)
    output: Any = None
    error: FieldError | None = None
    #: The field's expression when its input is the expression's result (`input`).
    expression: str | None = None


@dataclass(slots=True)
class RecordTrace:
    result: RecordResult
    fields: list[FieldTrace]
    #: The filter and the values it read, when it left the record out or failed on it.
    filter: FilterTrace | None = None

    def field(self, target: str) -> FieldTrace | None:
        return next((f for f in self.fields if f.target == target), None)


def trace_record(compiled: CompiledMapping, record: Mapping[str, Any]) -> RecordTrace:
    """Map `record` once, recording every field's intermediate values as it goes."""
    screened = compiled.screen(record)
    if screened is not None:  # filtered, or the filter failed on it
        assert compiled.filter is not None  # only a filter screens records out
        return RecordTrace(screened, [], filter_inputs(compiled.filter, record))
    by_field: dict[CompiledField, list[FieldTrace]] = {}

    def observe(
        field: CompiledField,
        target: str,
        value: Any,
        values: list[Any],
        output: Any,
        error: FieldError | None,
    ) -> None:
        if field.target.per_item:  # the item's values (@ paths read the item, not the record)
            # one source: its value; several: their list; none (an expression): nothing read
            read = [value] if len(field.sources) == 1 else value if field.sources else []
            sources = list(zip([s.text for s in field.sources], read or [], strict=False))
        else:
            sources = [(source.text, _read(source, record)) for source in field.sources]
        steps = _steps(field, value, values)
        expression = field.mapping.expression
        trace = FieldTrace(target, sources, value, steps, output, error, expression)
        by_field.setdefault(field, []).append(trace)

    result = compiled.map_fields(record, observe)
    # Fields in document order (mapping runs per-item fields first).
    return RecordTrace(result, [t for f in compiled.fields for t in by_field.get(f, ())])


def _read(source: SourcePath, record: Mapping[str, Any]) -> Any:
    """A source's value for the lineage; None where reading it failed (the field says why)."""
    try:
        return source.get(record)
    except STEP_ERRORS:
        return None


def _steps(compiled_field: CompiledField, value: Any, values: list[Any]) -> list[StepTrace]:
    steps: list[StepTrace] = []
    running = value
    for step, after in zip(compiled_field.steps, values, strict=False):
        skipped = running is None and step.passthrough
        raw_args = tuple(compiled_field.mapping.transforms[step.index].args)
        steps.append(StepTrace(step.index, step.name, raw_args, after, skipped))
        running = after
    return steps
