"""Compile a mapping document once into an executable mapping.

The checks of `fieldwright.engine.validation` parse everything once: paths,
function arguments (regexes, lookups, time zones, JMESPath), validation rules
and the filter. The compiler turns what they prepared into closures, so
applying the compiled mapping to a record only calls prepared closures.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import jmespath
import jmespath.exceptions

from fieldwright.domain import (
    DocumentError,
    FieldMapping,
    MappingDocument,
    Missing,
    OnError,
    Problem,
)
from fieldwright.engine.columns import (
    Cache,
    Column,
    Marks,
    Values,
    column,
    column_values,
    record_builder,
)
from fieldwright.engine.expressions import Expression, ExpressionFailed
from fieldwright.engine.functions import REGISTRY, Registry, StepContext, TransformError
from fieldwright.engine.functions.lookups import lookup_tables
from fieldwright.engine.fused import Fused, fuse
from fieldwright.engine.item_mapping import ItemMapping
from fieldwright.engine.item_plan import ItemNode
from fieldwright.engine.paths import SourcePath, TargetPath
from fieldwright.engine.presence import Presence, source_presence
from fieldwright.engine.results import FieldError, RecordResult, RecordStatus
from fieldwright.engine.rules import Check, compile_rules
from fieldwright.engine.scope import ItemScope
from fieldwright.engine.target_types import REQUIRED_BY_SCHEMA, AllFit, declared_checks
from fieldwright.engine.validation import CheckedField, check_document

__all__ = [
    "CompiledField",
    "CompiledMapping",
    "CompiledStep",
    "FieldObserver",
    "compile_document",
    "compile_valid_fields",
]

#: What a failing function may raise; anything else is a bug and propagates.
STEP_ERRORS = (TransformError, ValueError, TypeError, ArithmeticError, KeyError, IndexError)
#: What the record filter may raise on one record (JMESPath's type errors, for one).
FILTER_ERRORS = (jmespath.exceptions.JMESPathError, *STEP_ERRORS)
_FILTERED = RecordResult(RecordStatus.FILTERED, None)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledStep:
    index: int
    name: str
    args: tuple[Any, ...]
    passthrough: bool
    call: Callable[[Any, Mapping[str, Any]], Any]
    #: The library function itself, and whether it takes a StepContext first.
    impl: Callable[..., Any]
    context: bool
    #: The function's shortcut for str values (see FunctionSpec.on_text).
    on_text: Callable[..., Any] | None = None
    #: The document's lookup tables, for a context function run inside an item.
    lookups: Mapping[str, Any] | None = None

    def run_in(self, value: Any, record: Mapping[str, Any], scope: ItemScope) -> Any:
        """Call the step for an item: a context function sees it in `StepContext.scope`."""
        if not self.context:
            return self.call(value, record)
        return self.impl(StepContext(record, self.lookups or {}, scope), value, *self.args)


#: Told (field, target with item index, input, value after each step, output, error)
#: of each value a field maps.
FieldObserver = Callable[["CompiledField", str, Any, list[Any], Any, "FieldError | None"], None]


class _FieldFailed(Exception):
    def __init__(self, reason: str, step: CompiledStep | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.step = step


def _step_caller(
    impl: Callable[..., Any], args: tuple[Any, ...], context: bool, lookups: Mapping[str, Any]
) -> Callable[[Any, Mapping[str, Any]], Any]:
    if context:
        return lambda value, record: impl(StepContext(record, lookups), value, *args)
    if not args:
        return lambda value, record: impl(value)
    if len(args) == 1:
        (arg,) = args
        return lambda value, record: impl(value, arg)
    return lambda value, record: impl(value, *args)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledField:
    """One field mapping, ready to run."""

    mapping: FieldMapping
    target: TargetPath
    sources: tuple[SourcePath, ...]
    steps: tuple[CompiledStep, ...]
    #: The target schema's checks (not blank when required, the declared type), then the rules'.
    checks: tuple[Check, ...]
    #: Why a null value fails the field (the mapping's or the target schema's `required`),
    #: None when null is allowed.
    required: str | None = None
    #: For each check, a test that a whole column passes it (the batch path's shortcut).
    all_fit: tuple[AllFit | None, ...] = ()
    #: The field's expression, when its input is an expression's result.
    expression: Expression | None = None
    #: With `missing: skip`, a test of each source path's presence; the target is left
    #: out of a record where every one is missing.
    presence: tuple[Presence, ...] = ()

    def with_presence(self, presence: tuple[Presence, ...]) -> CompiledField:
        """This field with `missing: skip`'s presence tests (none: unchanged)."""
        return dataclasses.replace(self, presence=presence) if presence else self

    def all_missing(self, record: Mapping[str, Any]) -> bool:
        """True when the field skips `record`: `missing: skip` and no source path present."""
        return bool(self.presence) and not any(test(record) for test in self.presence)

    def source_value(
        self,
        record: Mapping[str, Any],
        scope: ItemScope | None = None,
        target: Mapping[str, Any] | None = None,
    ) -> Any:
        """The field's input: one source's value, a list for several sources, the
        expression's result (`scope` is its `@`, `target` its `$target`: the target
        record written so far), or the constant."""
        if self.expression is not None:
            try:
                return self.expression.evaluate(record, scope, target=target)
            except ExpressionFailed as exc:
                raise _FieldFailed(str(exc)) from None
        if not self.sources:
            constant = self.mapping.constant
            return copy.deepcopy(constant) if isinstance(constant, dict | list) else constant
        try:
            if len(self.sources) == 1:
                return self.sources[0].get(record)
            return [source.get(record) for source in self.sources]
        except STEP_ERRORS as exc:  # a filter's match() that ran out of time, for one
            raise _FieldFailed(f"cannot read the source: {_reason(exc)}") from exc

    #: What reading a source may raise (the item path reads sources itself).
    read_errors = STEP_ERRORS

    def unreadable(self, exc: BaseException, target: str) -> tuple[FieldError, Any]:
        """The error and on_error's value when a source cannot be read."""
        if isinstance(exc, ExpressionFailed):  # it says where in the expression
            return self.recover(_FieldFailed(str(exc)), target)
        return self.recover(_FieldFailed(f"cannot read the source: {_reason(exc)}"), target)

    def transform(
        self,
        value: Any,
        record: Mapping[str, Any],
        trace: list[Any] | None = None,
        scope: ItemScope | None = None,
    ) -> Any:
        """Run the chain, defaults and rules on one value (of the item `scope`, under
        ``[*]``); raise _FieldFailed."""
        for step in self.steps:
            if value is None and step.passthrough:
                if trace is not None:
                    trace.append(None)
                continue
            try:
                if scope is None or not step.context:
                    value = step.call(value, record)
                else:
                    value = step.run_in(value, record, scope)
            except STEP_ERRORS as exc:
                raise _FieldFailed(_reason(exc), step) from exc
            if trace is not None:
                trace.append(value)
        mapping = self.mapping
        if value is None and mapping.default is not None:
            value = copy.deepcopy(mapping.default)
        if value is None:
            if self.required is not None:
                raise _FieldFailed(self.required)
            return None
        for check in self.checks:
            problem = check(value)
            if problem is not None:
                raise _FieldFailed(problem)
        return value

    def settle(
        self,
        value: Any,
        record: Mapping[str, Any],
        item: int | None = None,
        observer: FieldObserver | None = None,
        *,
        scope: ItemScope | None = None,
        target: Callable[[], str] | None = None,
    ) -> tuple[Any, FieldError | None]:
        """The value this field writes for `value` (item number `item` of a per-item
        target, or the item `scope` written where `target()` says), and its error;
        `observer` sees the value after every step."""
        steps: list[Any] | None = None if observer is None else []
        try:
            written, error = self.transform(value, record, steps, scope), None
        except _FieldFailed as exc:
            error, written = self.recover(exc, self._where(item, target))
        if observer is not None:
            assert steps is not None
            observer(self, self._where(item, target), value, steps, written, error)
        return written, error

    def _where(self, item: int | None, target: Callable[[], str] | None) -> str:
        return self._target_text(item) if target is None else target()

    def _target_text(self, item: int | None) -> str:
        return self.target.text if item is None else _item_target(self.target, item)

    def recovered(self, exc: BaseException, step: CompiledStep) -> tuple[FieldError, Any]:
        """The error and on_error's value for a value that `step` failed on the batch path."""
        failure = exc if isinstance(exc, _FieldFailed) else _FieldFailed(_reason(exc), step)
        return self.recover(failure, self.target.text)

    def fallback(self) -> Any:
        """The value `on_error` writes for a failed value (None for skip/fail)."""
        if self.mapping.on_error is OnError.DEFAULT:  # a fresh copy of an object or a list
            default = self.mapping.default
            return copy.deepcopy(default) if isinstance(default, dict | list) else default
        return None

    def recover(self, exc: _FieldFailed, target: str) -> tuple[FieldError, Any]:
        """The error record and the value `on_error` writes instead (None for skip/fail)."""
        on_error = self.mapping.on_error
        error = FieldError(
            target=target,
            reason=exc.reason,
            step=exc.step.index if exc.step else None,
            fn=exc.step.name if exc.step else None,
            handled_by=on_error.value,
        )
        value = None
        if on_error is OnError.DEFAULT:  # a fresh copy of an object or a list, for each record
            default = self.mapping.default
            value = copy.deepcopy(default) if isinstance(default, dict | list) else default
        return error, value


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TransformError):
        return str(exc)
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def _item_target(target: TargetPath, index: int) -> str:
    return target.text.replace("[*]", f"[{index}]", 1)


class CompiledMapping:
    """A validated mapping document, ready to map records."""

    def __init__(
        self,
        document: MappingDocument,
        fields: list[CompiledField],
        record_filter: jmespath.parser.ParsedResult | None,
    ) -> None:
        self.document = document
        self.fields = tuple(fields)
        self.filter = record_filter
        #: The fields in the order their targets are written: the target schema's order.
        self.written = _in_schema_order(self.fields, document)
        self._order = self.written
        self.target_paths = [f.target.text for f in self.fields]
        #: The arrays mapped item by item (docs/arrays-item-by-item.md).
        self.items = ItemMapping.of(document, self.written)
        columns: list[Column | None] = []
        for node, field in self._runs():
            if node is not None:
                columns.append(self.items.column(node))
            else:
                columns.append(column(field, (*STEP_ERRORS, _FieldFailed)))
        self._columns: tuple[Column, ...] | None = (
            None if any(c is None for c in columns) else tuple(c for c in columns if c is not None)
        )
        #: With no array mapped item by item and plain targets: each field's values of a
        #: chunk, and the one function building the chunk's outputs from them.
        self._values: tuple[Values, ...] | None = None
        self._build: Callable[..., list[dict[str, Any]]] | None = None
        runs = self._runs()
        if (
            self._columns is not None
            and all(node is None for node, _ in runs)
            and not any(f.expression is not None and f.expression.targets for f in self.fields)
        ):  # `$target` reads the outputs as they are written: no building them at the end
            build = record_builder([field.target.segments for _, field in runs])
            values = [column_values(field, (*STEP_ERRORS, _FieldFailed)) for _, field in runs]
            if build is not None and all(v is not None for v in values):
                self._values = tuple(v for v in values if v is not None)
                self._build = build
        #: The fused function of the chunk (engine/fused.py) for a run (on_error's values
        #: in place, True) and for the preview (recovered errors kept, False), made on use.
        self._fused: dict[bool, Fused | None] = {}

    def _fused_for(self, recovering: bool) -> Fused | None:
        """The fused function; None when the column path maps better: keeping recovered
        errors (the preview), a field that on_error recovers would send its record to
        the careful path, where the column path recovers the value alone."""
        if recovering not in self._fused:
            fields = [field for _, field in self._runs()]
            recovers = any(
                f.steps and f.mapping.on_error in (OnError.NULL, OnError.DEFAULT) for f in fields
            )
            errors = (*STEP_ERRORS, _FieldFailed)
            self._fused[recovering] = (
                fuse(fields, errors, recovering=recovering)
                if self._build is not None and (recovering or not recovers)
                else None
            )
        return self._fused[recovering]

    def _runs(self) -> list[tuple[ItemNode | None, CompiledField]]:
        """What maps a record, in order: each field, or the array its first field is in."""
        runs: list[tuple[ItemNode | None, CompiledField]] = []
        seen: set[int] = set()
        for field in self.written:
            if not field.target.per_item:
                runs.append((None, field))
                continue
            node = self.items.node_of(field)
            if node is not None and id(node) not in seen:
                seen.add(id(node))
                runs.append((node, field))
        return runs

    def screen(self, record: Mapping[str, Any]) -> RecordResult | None:
        """None when the filter keeps `record` (always, without a filter); else the record's
        result: filtered, or failed when the filter cannot be evaluated on this record (a
        function given a value of the wrong type, for one), so one record never stops a run."""
        if self.filter is None:
            return None
        try:
            kept = _truthy(self.filter.search(record))
        except FILTER_ERRORS as exc:
            reason = f"the filter cannot be evaluated on this record: {exc}"
            return RecordResult(RecordStatus.FAILED, None, (FieldError("filter", reason),))
        return None if kept else _FILTERED

    def apply(self, record: Mapping[str, Any]) -> RecordResult:
        """Map one source record."""
        screened = self.screen(record)
        return self.map_fields(record) if screened is None else screened

    def apply_many(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Map a chunk of records; the same results as `apply` on each, computed by column."""
        outputs, others = self.map_chunk(records)
        return [
            others[index] if output is None else RecordResult(RecordStatus.OK, output)
            for index, output in enumerate(outputs)
        ]

    def map_chunk(
        self, records: Sequence[Mapping[str, Any]], *, recovered_errors: bool = True
    ) -> tuple[list[dict[str, Any] | None], dict[int, RecordResult]]:
        """Map a chunk: the output of each record mapped cleanly (else None), and the
        results of the others (filtered, failed, or recovered by on_error) by index.

        This is the run loop's entry: it builds no result object for clean records.
        Without `recovered_errors`, a record whose values `on_error: null | default`
        recovered on the batch path counts as clean: its output is given, and no error
        record is built for those values (a run keeps only failures).
        """
        if self._columns is None:
            results = [self.apply(record) for record in records]
            return (
                [
                    r.output if r.status is RecordStatus.OK and not r.errors else None
                    for r in results
                ],
                {
                    i: r
                    for i, r in enumerate(results)
                    if r.status is not RecordStatus.OK or r.errors
                },
            )
        others: dict[int, RecordResult] = {}
        positions: Sequence[int]
        if self.filter is None:
            kept, positions = records, range(len(records))
        else:
            positions = []
            for index, record in enumerate(records):
                screened = self.screen(record)
                if screened is None:
                    positions.append(index)
                else:
                    others[index] = screened
            kept = [records[i] for i in positions]
        bad = Marks(recovered_errors)
        cache: Cache = {}
        mapped: list[dict[str, Any] | None]
        fused = self._fused_for(not recovered_errors) if self._build is not None else None
        if fused is not None:  # a record it cannot map cleanly is marked in `bad`
            mapped = fused(kept, bad)
        elif self._build is not None and self._values is not None:
            built = self._build(*[values(kept, bad, cache) for values in self._values])
            mapped = cast("list[dict[str, Any] | None]", built)
        else:
            written: list[dict[str, Any]] = [{} for _ in kept]
            for run in self._columns:
                run(kept, written, bad, cache)
            mapped = cast("list[dict[str, Any] | None]", written)
        outputs: list[dict[str, Any] | None]
        if len(kept) == len(records):
            outputs = mapped
        else:
            outputs = [None] * len(records)
            for index, output in zip(positions, mapped, strict=True):
                outputs[index] = output
        for index in bad:
            original = positions[index]
            outputs[original] = None
            others[original] = self.map_fields(kept[index])
        for index, errors in bad.recovered.items():
            if index not in bad:  # mapped, with on_error's values in place
                original = positions[index]
                others[original] = RecordResult(RecordStatus.OK, outputs[original], tuple(errors))
                outputs[original] = None
        return outputs, others

    def map_fields(
        self, record: Mapping[str, Any], observer: FieldObserver | None = None
    ) -> RecordResult:
        """Map one record field by field, recording each failure and its on_error outcome.

        The filter must already have kept the record. `observer`, when given, is
        told each value's transform steps as they run (the preview's trace).
        """
        output: dict[str, Any] = {}
        errors: list[FieldError] | None = None
        for node, field in self._runs():
            if node is not None:
                failures: list[FieldError] = []
                self.items.map_node(node, record, output, failures, observer)
                if failures:
                    errors = [*(errors or []), *failures]
                continue
            target = field.target
            if field.presence and field.all_missing(record):
                continue
            try:
                value = field.source_value(record, target=output)
            except _FieldFailed as exc:
                unread, fallback = field.recover(exc, target.text)
                errors = [*(errors or []), unread]
                if unread.handled_by in ("default", "null"):
                    target.set(output, fallback)
                if observer is not None:
                    observer(field, target.text, None, [], fallback, unread)
                continue
            setter = target.set
            result, error = field.settle(value, record, None, observer)
            if error is None:
                setter(output, result)
                continue
            errors = [*(errors or []), error]
            if error.handled_by in ("default", "null"):
                setter(output, result)
        if errors is None:
            return RecordResult(RecordStatus.OK, output)
        if any(e.handled_by == "fail" for e in errors):
            return RecordResult(RecordStatus.FAILED, None, tuple(errors))
        return RecordResult(RecordStatus.OK, output, tuple(errors))


def _in_schema_order(
    fields: Sequence[CompiledField], document: MappingDocument
) -> tuple[CompiledField, ...]:
    """`fields` by where the target schema lists their targets; the fields whose target
    it does not list follow, in document order."""
    position = {path: index for index, (path, _field) in enumerate(document.target.walk())}
    unlisted = len(position)
    return tuple(sorted(fields, key=lambda f: position.get(f.mapping.target, unlisted)))


def _truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null and empty strings, lists and objects are false."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and not value)


def _compiled_field(checked: CheckedField, lookups: Mapping[str, Any]) -> CompiledField:
    steps = tuple(
        CompiledStep(
            step.number,
            step.spec.name,
            step.args,
            step.spec.null_passthrough,
            _step_caller(step.spec.impl, step.args, step.spec.context, lookups),
            step.spec.impl,
            step.spec.context,
            step.spec.on_text,
            lookups,
        )
        for step in checked.steps
    )
    mapping = checked.mapping
    declared = checked.declared
    declared_pairs = declared_checks(declared)
    rules = compile_rules(mapping.rules)
    checks = (*(check for check, _ in declared_pairs), *rules)
    all_fit = (*(fast for _, fast in declared_pairs), *(None for _ in rules))
    required = (
        "required value is empty"
        if mapping.required
        else REQUIRED_BY_SCHEMA
        if declared is not None and declared.required
        else None
    )
    presence = (
        tuple(source_presence(source) for source in checked.sources)
        if mapping.missing is Missing.SKIP
        else ()
    )
    return CompiledField(
        mapping,
        checked.target,
        checked.sources,
        steps,
        checks,
        required,
        all_fit,
        checked.expression,
    ).with_presence(presence)


def _compile(
    document: MappingDocument, registry: Registry
) -> tuple[list[CompiledField], jmespath.parser.ParsedResult | None, list[Problem], bool]:
    """The field mappings that compile, the filter, every problem, and whether a
    problem lies outside the field mappings (the format, the filter)."""
    checked = check_document(document, registry)
    tables = lookup_tables(document.lookups, document.lookup_defaults)
    fields = [_compiled_field(field, tables) for field in checked.fields]
    return fields, checked.record_filter, checked.problems, checked.outside


def compile_document(
    document: MappingDocument, *, registry: Registry = REGISTRY, source: str | None = None
) -> CompiledMapping:
    """Validate `document` and compile it; raise DocumentError listing every problem."""
    fields, record_filter, problems, _outside = _compile(document, registry)
    if problems:
        raise DocumentError(problems, source=source)
    return CompiledMapping(document, fields, record_filter)


def compile_valid_fields(
    document: MappingDocument, *, registry: Registry = REGISTRY
) -> tuple[CompiledMapping | None, list[Problem]]:
    """`document` compiled without its broken field mappings, and every problem.

    The mapping is None when a problem lies outside the field mappings (the
    format, the filter); with no problem it is what `compile_document` makes.
    """
    fields, record_filter, problems, outside = _compile(document, registry)
    return (None if outside else CompiledMapping(document, fields, record_filter)), problems
