"""Check a mapping document before anything runs: every problem, at its JSON pointer.

The checks parse what the document writes once (paths, function arguments,
validation rules, the filter) and keep what they prepared, so the compiler
(`fieldwright.engine.compiler`) builds the runnable mapping from it without
parsing again. `validate` is the checks' answer alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import jmespath

from fieldwright.domain import (
    FORMAT_VERSION,
    FieldMapping,
    MappingDocument,
    Missing,
    Problem,
    pointer,
)
from fieldwright.domain.chains import check_library, expand_fields
from fieldwright.engine.expressions import Expression, ExpressionSyntaxError
from fieldwright.engine.expressions import compile_expression as compile_jsonata
from fieldwright.engine.functions import REGISTRY, Registry
from fieldwright.engine.functions._expressions import ExpressionError, compile_expression
from fieldwright.engine.functions._patterns import PatternError, compile_pattern
from fieldwright.engine.functions.lookups import LookupTable, lookup_tables
from fieldwright.engine.functions.registry import FunctionSpec
from fieldwright.engine.item_plan import plan_items
from fieldwright.engine.item_sources import is_relative, parse_relative
from fieldwright.engine.paths import (
    WILDCARD,
    PathError,
    Segment,
    SourcePath,
    TargetPath,
    parse_source,
    parse_target,
)
from fieldwright.engine.rules import type_problem
from fieldwright.engine.target_types import Declared, declarations, misfit

__all__ = ["CheckedDocument", "CheckedField", "PreparedStep", "check_document", "validate"]

Where = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PreparedStep:
    """A transform step whose function exists and whose arguments are prepared."""

    number: int
    spec: FunctionSpec
    args: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class CheckedField:
    """A field mapping without problems, its paths parsed and its steps prepared."""

    mapping: FieldMapping
    target: TargetPath
    sources: tuple[SourcePath, ...]
    steps: tuple[PreparedStep, ...]
    #: What the target schema declares about the target, if it declares it.
    declared: Declared | None = None
    #: The field's expression, compiled, when its input is an expression.
    expression: Expression | None = None


@dataclass(slots=True)
class CheckedDocument:
    """The active field mappings that passed, the filter, and every problem."""

    fields: list[CheckedField] = field(default_factory=list)
    record_filter: jmespath.parser.ParsedResult | None = None
    problems: list[Problem] = field(default_factory=list)
    #: A problem lies outside the field mappings (the format, the filter).
    outside: bool = False


def _check_target(mapping: FieldMapping, at: Where, problems: list[Problem]) -> TargetPath | None:
    try:
        return parse_target(mapping.target)
    except PathError as exc:
        problems.append(Problem(pointer(*at, "target"), str(exc)))
        return None


def _check_sources(
    mapping: FieldMapping, target: TargetPath | None, at: Where, problems: list[Problem]
) -> list[SourcePath]:
    sources: list[SourcePath] = []
    for number, text in enumerate(mapping.sources):
        try:
            if not is_relative(text):
                sources.append(parse_source(text))
                continue
            relative = parse_relative(text)
            if target is not None and not target.per_item:
                problems.append(
                    Problem(
                        pointer(*at, "sources", number),
                        f"{text} reads the current item, but {target.text} does not lie "
                        "under [*]: only fields of an array mapped item by item have one",
                    )
                )
                continue
            path = relative.path
            # The item path reads it (fieldwright.engine.item_plan); this keeps the text.
            sources.append(SourcePath(text, path is None or path.singular, lambda _record: None))
        except PathError as exc:
            problems.append(Problem(pointer(*at, "sources", number), str(exc)))
    return sources


def _check_expression(
    mapping: FieldMapping, at: Where, problems: list[Problem]
) -> Expression | None:
    if mapping.expression is None:
        return None
    try:
        return compile_jsonata(mapping.expression)
    except ExpressionSyntaxError as exc:
        problems.append(Problem(pointer(*at, "expression"), f"invalid expression: {exc}"))
        return None


def _unknown_function(name: str, registry: Registry) -> str:
    close = difflib.get_close_matches(name, registry.names(), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; see `fieldwright functions`"
    return f"unknown function {name!r}{hint}"


def _check_steps(
    mapping: FieldMapping,
    at: Where,
    tables: Mapping[str, LookupTable],
    registry: Registry,
    problems: list[Problem],
    origins: dict[tuple[int, int], str],
) -> list[PreparedStep]:
    """Prepare the steps of `mapping` (library calls already inlined); a problem
    points at the step as written, in the field or in the library (`origins`)."""
    steps: list[PreparedStep] = []
    before = len(problems)
    for number, step in enumerate(mapping.transforms):
        spec = registry.get(step.fn)
        where = origins.get((int(at[1]), number)) or pointer(*at, "transforms", number)
        if spec is None:
            problems.append(Problem(where + "/fn", _unknown_function(step.fn, registry)))
            continue
        args, arg_problems = spec.prepare(step.args, tables)
        for arg_index, message in arg_problems:
            spot = where if arg_index is None else where + pointer("args", arg_index)
            problems.append(Problem(spot, message))
        steps.append(PreparedStep(number, spec, args))
    _mark_chain_callers(at, origins, problems, before)
    return steps


def _mark_chain_callers(
    at: Where, origins: dict[tuple[int, int], str], problems: list[Problem], before: int
) -> None:
    """A problem found in a named chain's step marks the calling field too (once)."""
    own = pointer(*at) + "/"
    for problem in problems[before:]:
        if not problem.pointer.startswith(own):
            problems.append(
                Problem(
                    pointer(*at, "transforms"),
                    f"a named chain this field calls has a problem at {problem.pointer}: "
                    f"{problem.message}",
                )
            )


def _check_rules(mapping: FieldMapping, at: Where, problems: list[Problem]) -> None:
    rules = mapping.rules
    if (type_message := type_problem(rules.type)) is not None:
        problems.append(Problem(pointer(*at, "rules", "type"), type_message))
    if rules.regex is not None:
        try:
            compile_pattern(rules.regex)
        except PatternError as exc:
            problems.append(
                Problem(pointer(*at, "rules", "regex"), f"invalid regular expression: {exc}")
            )
    if rules.min is not None and rules.max is not None and rules.min > rules.max:
        problems.append(Problem(pointer(*at, "rules"), "min is greater than max"))


def _check_constants(
    mapping: FieldMapping, declared: Declared | None, at: Where, problems: list[Problem]
) -> None:
    """A constant written as it is (no steps) or a default must fit the declared type."""
    if declared is None:
        return
    written = [("default", mapping.default)]
    if mapping.is_constant and not mapping.transforms:
        written.insert(0, ("constant", mapping.constant))
    for name, value in written:
        if (reason := misfit(declared.type, value)) is not None:
            declaration = f"{mapping.target} is declared {declared.type.value} in the target schema"
            problems.append(Problem(pointer(*at, name), f"{declaration}: {reason}"))


def _check_field(
    index: int,
    mapping: FieldMapping,
    tables: Mapping[str, LookupTable],
    registry: Registry,
    problems: list[Problem],
    declared_at: Callable[[tuple[Segment, ...]], Declared | None],
    origins: dict[tuple[int, int], str],
) -> CheckedField | None:
    at: Where = ("fields", index)
    before = len(problems)
    target = _check_target(mapping, at, problems)
    sources = _check_sources(mapping, target, at, problems)
    expression = _check_expression(mapping, at, problems)
    steps = _check_steps(mapping, at, tables, registry, problems, origins)
    _check_rules(mapping, at, problems)
    if mapping.missing is Missing.SKIP and not mapping.sources:
        problems.append(
            Problem(
                pointer(*at, "missing"),
                "missing: skip needs source paths; a constant is never missing",
            )
        )
    declared = None if target is None else declared_at(target.segments)
    _check_constants(mapping, declared, at, problems)
    if len(problems) > before or target is None:
        return None
    return CheckedField(mapping, target, tuple(sources), tuple(steps), declared, expression)


def _check_fields(document: MappingDocument, registry: Registry, checked: CheckedDocument) -> None:
    declared_at = declarations(document.target)
    # The tables once per document, each with its default: steps share them.
    tables = lookup_tables(document.lookups, document.lookup_defaults)
    seen: dict[str, int] = {}
    # Library calls ({"fn": "@name"}) inlined; a field whose calls cannot be is not compiled.
    checked.problems.extend(check_library(document.library))
    fields, origins, call_problems = expand_fields(document.fields, document.library)
    checked.problems.extend(p for p in call_problems if p not in checked.problems)
    uncallable = {
        p.pointer.split("/")[2] for p in call_problems if p.pointer.startswith("/fields/")
    }
    for index, mapping in enumerate(fields):
        if str(index) in uncallable:
            continue
        if mapping.target in seen:
            checked.problems.append(
                Problem(
                    pointer("fields", index, "target"),
                    f"{mapping.target} is already mapped by field {seen[mapping.target]}; "
                    "combine them into one mapping with several sources",
                )
            )
            continue
        seen[mapping.target] = index
        field_ = _check_field(
            index, mapping, tables, registry, checked.problems, declared_at, origins
        )
        if field_ is not None and mapping.active:
            checked.fields.append(field_)
    _check_items(document, checked)
    _check_target_reads(document, checked)


def _check_target_reads(document: MappingDocument, checked: CheckedDocument) -> None:
    """Refuse `$target.name` where the fields writing `$.name` are not all written before
    the field that reads it (itself, a later field, a cycle), `$target` naming no field,
    and `$target` under ``[*]``; leave those fields out."""
    readers = [f for f in checked.fields if f.expression is not None and f.expression.targets]
    if not readers:
        return
    number = {mapping.target: index for index, mapping in enumerate(document.fields)}
    position = {path: index for index, (path, _field) in enumerate(document.target.walk())}
    # The order the compiled mapping writes targets in: the target schema's, then the document's.
    order = sorted(checked.fields, key=lambda f: position.get(f.mapping.target, len(position)))
    rank = {id(f): index for index, f in enumerate(order)}
    refused: set[int] = set()
    for field_ in readers:
        assert field_.expression is not None
        reads = field_.expression.targets
        where = pointer("fields", number[field_.mapping.target], "expression")
        found: list[str] = []
        if field_.target.per_item:
            found.append(
                f"$target is read by a field written once per record; {field_.mapping.target} "
                "lies under [*]"
            )
        if reads.whole:
            found.append("name the field $target reads ($target.lines): $target alone names none")
        for names in sorted(reads.names):
            read = "$target." + ".".join(names)
            # the fields writing at, above or below the path read (`$.lines[*].total` for
            # `$target.lines`): the value read holds what they write
            written = [f for f in checked.fields if _overlap(f.target.segments, names)]
            if not written:
                found.append(f"{read}: no field writes $.{'.'.join(names)}")
            elif field_ in written:
                found.append(f"{read} reads this field's own target: a field cannot read itself")
            else:
                later = [w for w in written if rank[id(w)] > rank[id(field_)]]
                if later:
                    found.append(
                        f"{read} reads {later[0].mapping.target}, which is written after "
                        f"{field_.mapping.target} (targets are written in the target schema's "
                        "order, then the document's): a field reads only the fields before it"
                    )
        if found:
            refused.add(id(field_))
            checked.problems.extend(Problem(where, message) for message in found)
    checked.fields = [f for f in checked.fields if id(f) not in refused]


def _check_items(document: MappingDocument, checked: CheckedDocument) -> None:
    """Refuse ``[*]`` fields whose sources cannot be paired item by item, and leave them out."""
    number = {id(mapping): index for index, mapping in enumerate(document.fields)}
    per_item = [
        (number[id(f.mapping)], f.mapping, f.target) for f in checked.fields if f.target.per_item
    ]
    if not per_item:
        return
    plan, problems = plan_items(per_item)
    checked.problems.extend(problems)
    planned = plan.indexes
    checked.fields = [
        f for f in checked.fields if not f.target.per_item or number[id(f.mapping)] in planned
    ]


def _overlap(segments: tuple[Segment, ...], names: tuple[str, ...]) -> bool:
    """Whether a target at `segments` lies at, above or below the member path `names`
    (compared up to the target's first index or ``[*]``)."""
    leading: list[str] = []
    for segment in segments:
        if not isinstance(segment, str) or segment == WILDCARD:
            break
        leading.append(segment)
    shared = min(len(leading), len(names))
    return tuple(leading[:shared]) == names[:shared]


def check_document(document: MappingDocument, registry: Registry = REGISTRY) -> CheckedDocument:
    """Check every part of `document`, keeping what the checks prepared."""
    checked = CheckedDocument()
    if document.fieldwright != FORMAT_VERSION:
        checked.problems.append(
            Problem("/fieldwright", f"format {document.fieldwright} is not {FORMAT_VERSION}")
        )
        checked.outside = True
    _check_fields(document, registry, checked)
    if document.filter:
        try:
            checked.record_filter = compile_expression(document.filter)
        except ExpressionError as exc:
            checked.problems.append(Problem("/filter", f"invalid JMESPath expression: {exc}"))
            checked.outside = True
    checked.problems = list(dict.fromkeys(checked.problems))  # a shared chain's, once
    return checked


def validate(document: MappingDocument, *, registry: Registry = REGISTRY) -> list[Problem]:
    """Every problem of `document`; empty when it compiles."""
    return list(check_document(document, registry).problems)
