"""Preview trace: the value after every transform step of every field of a record.

This answers "why this value?" in the preview: the source value(s), then the
value each function produced, and the error where one occurred.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldwright.engine.compiler import CompiledField, CompiledMapping, _FieldFailed
from fieldwright.engine.results import FieldError, RecordResult

__all__ = ["FieldTrace", "RecordTrace", "StepTrace", "trace_record"]


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


@dataclass(slots=True)
class RecordTrace:
    result: RecordResult
    fields: list[FieldTrace]

    def field(self, target: str) -> FieldTrace | None:
        return next((f for f in self.fields if f.target == target), None)


def _trace_value(
    compiled_field: CompiledField, value: Any, record: Mapping[str, Any], target: str
) -> FieldTrace:
    sources = [(source.text, source.get(record)) for source in compiled_field.sources]
    trace = FieldTrace(target=target, sources=sources, input=value)
    values: list[Any] = []
    try:
        trace.output = compiled_field.transform(value, record, values)
    except _FieldFailed as exc:
        trace.error, trace.output = compiled_field.recover(exc, target)
    steps = compiled_field.steps
    running = value
    for step, after in zip(steps, values, strict=False):
        skipped = running is None and step.passthrough
        raw_args = tuple(compiled_field.mapping.transforms[step.index].args)
        trace.steps.append(StepTrace(step.index, step.name, raw_args, after, skipped))
        running = after
    return trace


def trace_record(compiled: CompiledMapping, record: Mapping[str, Any]) -> RecordTrace:
    """Map `record` and record every field's intermediate values."""
    result = compiled.apply(record)
    fields: list[FieldTrace] = []
    if compiled.keeps(record):
        for compiled_field in compiled.fields:
            value = compiled_field.source_value(record)
            target = compiled_field.target
            if target.per_item and isinstance(value, list):
                for index, item in enumerate(value):
                    item_target = target.text.replace("[*]", f"[{index}]", 1)
                    fields.append(_trace_value(compiled_field, item, record, item_target))
            else:
                fields.append(_trace_value(compiled_field, value, record, target.text))
    return RecordTrace(result, fields)
