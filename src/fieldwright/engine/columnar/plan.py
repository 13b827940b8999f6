"""Lower a compiled mapping to a columnar plan: what each field reads and how each step runs.

A field lowers when its input is read by member names (`$.a.b`, `$.a.b[0]`,
`$.a.b[*]`, several such paths, or a constant) and its target is a path of
member names. Each of its steps then runs over a whole column: vectorised
when the function has a Polars kernel (`KERNELS`), else as a batch function
calling the row implementation value by value. A mapping runs columnar
when every field lowers and nothing needs the whole record (a filter, an
expression, a context function, `missing: skip`, an item-by-item target);
otherwise it runs on the row engine, and `describe` says why.

This module does not import Polars: `fieldwright validate --engine polars`
and `--engine auto` decide without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from fieldwright.engine.compiler import CompiledField, CompiledMapping, CompiledStep
from fieldwright.engine.paths import describe_source

__all__ = [
    "KERNELS",
    "ColumnarPlan",
    "FieldPlan",
    "Predicate",
    "Read",
    "StepPlan",
    "lower_filter",
    "plan_mapping",
]

#: The functions with a vectorised kernel (engine/columnar/kernels.py), and what it covers.
KERNELS: dict[str, str] = {
    "to_string": "integers, booleans and text",
    "trim": "text (Python's whitespace)",
    "trim_left": "text (Python's whitespace)",
    "trim_right": "text (Python's whitespace)",
    "upper": "ASCII text; other text by the row function",
    "lower": "ASCII text; other text by the row function",
    "normalize_whitespace": "text (Python's whitespace)",
    "concat": "text, integers and booleans",
    "regex_replace": "ASCII text, linear patterns; other text by the row function",
    "format_date": "ISO dates and datetimes with a fixed format; others by the row function",
    "lookup": "text keys into a table of text or integers",
    "to_number": "decimal text and integers; other text by the row function",
    "title": "ASCII letters and spaces; other text by the row function",
    "truncate": "text, cut by characters",
    "to_integer": "integers and digit text; other text by the row function",
    "lookup_strict": "text keys into a table of text or integers",
    "default": "null and blank text, a fallback of the column's type",
    "to_boolean": "the listed words, exactly; other text by the row function",
}


@dataclass(frozen=True, slots=True)
class Read:
    """How a field's input is read from the frame."""

    kind: Literal["constant", "member", "index", "spread", "spread_member", "members"]
    #: Member-name paths read (one, or several for "members"; the list for "spread_member").
    paths: tuple[tuple[str, ...], ...] = ()
    #: The list position of an "index" read.
    index: int = 0
    #: The member names read in each item of the list ("spread_member": `$.a[*].b.c`).
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepPlan:
    step: CompiledStep
    #: Whether a vectorised kernel runs the step (else a batch function of the row one).
    vectorised: bool


@dataclass(frozen=True, slots=True)
class FieldPlan:
    field: CompiledField
    #: None when the field cannot be read from a frame (then `why` says why).
    read: Read | None
    steps: tuple[StepPlan, ...]
    why: str | None = None

    @property
    def target(self) -> str:
        return self.field.target.text

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.field.target.segments)

    def status(self) -> tuple[str, str]:
        """("vectorised" | "batch function" | "row engine", why) for `validate --engine polars`."""
        if self.read is None:
            return "row engine", self.why or ""
        batch = [s.step.name for s in self.steps if not s.vectorised]
        if batch:
            names = ", ".join(dict.fromkeys(batch))
            return "batch function", f"no vectorised kernel for {names}: the row function runs"
        covered = [f"{s.step.name}: {KERNELS[s.step.name]}" for s in self.steps]
        what = {"constant": "a constant", "members": "several sources"}.get(self.read.kind, "")
        return "vectorised", "; ".join(covered) or what or "the value as read"


#: A lowered record filter: ("cmp", path, "eq" | "ne", literal), ("and" | "or", a, b), ("not", a).
Predicate = tuple[Any, ...]


def _path(node: dict[str, Any]) -> tuple[str, ...] | None:
    if node.get("type") == "field":
        return (str(node["value"]),)
    if node.get("type") == "subexpression":
        parts = [_path(child) for child in node["children"]]
        if all(p is not None for p in parts):
            return tuple(name for p in parts if p is not None for name in p)
    return None


def lower_filter(node: dict[str, Any]) -> Predicate | None:
    """A JMESPath filter's AST as a predicate over member paths, or None when it holds
    anything but == / != between a path and a text, boolean or null literal, joined by
    && || and ! (such a filter's result is always true or false)."""
    kind, children = node.get("type"), node.get("children", [])
    if kind == "comparator" and node.get("value") in ("eq", "ne") and len(children) == 2:
        left, right = children
        if left.get("type") == "literal":
            left, right = right, left
        path = _path(left)
        literal = right.get("value")
        if path is None or right.get("type") != "literal":
            return None
        if literal is not None and type(literal) not in (str, bool):
            return None
        return ("cmp", path, node["value"], literal)
    if kind in ("and_expression", "or_expression") and len(children) == 2:
        a, b = (lower_filter(child) for child in children)
        if a is None or b is None:
            return None
        return ("and" if kind == "and_expression" else "or", a, b)
    if kind == "not_expression" and len(children) == 1:
        a = lower_filter(children[0])
        return None if a is None else ("not", a)
    return None


def predicate_paths(predicate: Predicate) -> list[tuple[str, ...]]:
    if predicate[0] == "cmp":
        return [predicate[1]]
    return [path for part in predicate[1:] for path in predicate_paths(part)]


@dataclass(frozen=True, slots=True)
class ColumnarPlan:
    compiled: CompiledMapping
    #: The fields in the order their targets are written.
    fields: tuple[FieldPlan, ...]
    #: Why the mapping as a whole cannot run columnar (none: it can).
    problems: tuple[str, ...]
    #: The record filter, lowered (None: the mapping has none, or it did not lower).
    predicate: Predicate | None = None

    @property
    def lowers(self) -> bool:
        return not self.problems and all(f.read is not None for f in self.fields)

    @property
    def member_paths(self) -> tuple[tuple[str, ...], ...]:
        """Every member-name path the fields read, parents before children."""
        found: dict[tuple[str, ...], None] = {}
        if self.predicate is not None:
            for path in predicate_paths(self.predicate):
                found[path] = None
        for plan in self.fields:
            if plan.read is not None:
                for path in plan.read.paths:
                    found[path] = None
        return tuple(found)

    @property
    def list_paths(self) -> frozenset[tuple[str, ...]]:
        """The paths read as lists (`$.a.b[0]`, `$.a.b[*]`)."""
        return frozenset(
            plan.read.paths[0]
            for plan in self.fields
            if plan.read is not None and plan.read.kind in ("index", "spread")
        )

    @property
    def item_members(self) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
        """The member paths read in the items of each list (`$.a[*].b.c`)."""
        found: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for plan in self.fields:
            if plan.read is not None and plan.read.kind == "spread_member":
                found.setdefault(plan.read.paths[0], set()).add(plan.read.members)
        return found

    def describe(self) -> list[tuple[str, str, str]]:
        """(target, status, why) per field, then ("(mapping)", "row engine", why) per problem."""
        rows = [(f.target, *f.status()) for f in self.fields]
        rows += [("(mapping)", "row engine", problem) for problem in self.problems]
        return rows


def _names(segments: tuple[object, ...] | None) -> tuple[str, ...] | None:
    if segments and all(isinstance(s, str) for s in segments):
        return tuple(str(s) for s in segments)
    return None


def _read(field: CompiledField) -> tuple[Read | None, str | None]:
    if field.expression is not None:
        return None, "its input is an expression (it reads the whole record)"
    if field.presence:
        return None, "missing: skip leaves the target out record by record"
    sources = field.sources
    if not sources:
        return Read("constant"), None
    if len(sources) > 1:
        paths = [_names(s.segments) for s in sources]
        if all(p is not None for p in paths):
            return Read("members", tuple(p for p in paths if p is not None)), None
        return None, "a source is not a path of member names"
    source = sources[0]
    names = _names(source.segments)
    if names is not None:
        return Read("member", (names,)), None
    segments = source.segments
    if (
        segments is not None
        and len(segments) > 1
        and type(segments[-1]) is int
        and (parent := _names(segments[:-1])) is not None
    ):
        return Read("index", (parent,), int(segments[-1])), None
    if source.spread:
        return Read("spread", (tuple(source.spread),)), None
    spread = _spread_members(source.text)
    if spread is not None:
        return Read("spread_member", (spread[0],), members=spread[1]), None
    return None, f"the source {source.text} is not a path of member names"


_NAME = re.compile(r"^\['([A-Za-z0-9_ .$@-]*)'\]$")


def _spread_members(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(the list's path, the names after it) of `$.a.b[*].c.d`, else None."""
    if not text.startswith("$"):
        return None
    try:
        segments = [s.text for s in describe_source(text)]
    except ValueError:
        return None
    if segments.count("[*]") != 1:
        return None
    star = segments.index("[*]")
    names = [_NAME.match(s) for s in segments[:star] + segments[star + 1 :]]
    if star == 0 or star == len(segments) - 1 or not all(names):
        return None
    found = [m.group(1) for m in names if m is not None]
    return tuple(found[:star]), tuple(found[star:])


def _field_plan(field: CompiledField) -> FieldPlan:
    steps = tuple(StepPlan(step, step.name in KERNELS) for step in field.steps)
    read, why = _read(field)
    if read is not None and field.target.per_item:
        read, why = None, "its target is written item by item"
    if read is not None and _names(field.target.segments) is None:
        read, why = None, "its target is not a path of member names"
    if read is not None:
        context = [s.name for s in field.steps if s.context]
        if context:
            read, why = None, f"{context[0]} reads the whole record"
    return FieldPlan(field, read, steps, why)


def plan_mapping(compiled: CompiledMapping) -> ColumnarPlan:
    """The columnar plan of `compiled`."""
    problems: list[str] = []
    predicate = None
    if compiled.filter is not None:
        predicate = lower_filter(dict(compiled.filter.parsed))
        if predicate is None:
            problems.append(
                "the record filter holds more than == / != of a path and a text, boolean "
                "or null (with && || !): it is evaluated record by record"
            )
    fields = tuple(_field_plan(field) for field in compiled.written)
    if not fields:  # Polars builds no struct of nothing: each record maps to {} row by row
        problems.append("the mapping writes no field")
    targets = [plan.names for plan in fields if plan.read is not None]
    for index, names in enumerate(targets):
        for other in targets[index + 1 :]:
            shorter, longer = sorted((names, other), key=len)
            if longer[: len(shorter)] == shorter:
                problems.append(f"targets {'.'.join(shorter)} and {'.'.join(longer)} overlap")
    return ColumnarPlan(compiled, fields, tuple(problems), predicate)
