"""One fused function per mapping: a chunk's records read, mapped and built in one pass.

The column path (`engine/columns.py`) computes each field's column of values, calling a
registry function per value per step, then builds the outputs in a second pass. For a
mapping whose targets are plain paths of member names and whose fields read source
paths or constants (no expression, no array mapped item by item), `fuse` generates,
once per mapping, one function that walks the chunk's records once: each source is read
with `dict.get` (a path's parents read once per record and shared by the fields), each
field's chain runs with the common registry functions inlined in their fast forms (str
methods, `dict.get` of a lookup table, `date.fromisoformat`, the stdlib pattern's `sub`,
…), and the output is one dict display.

Each fast form handles only the values it is exactly equal to the registry function on
(a str, mostly; null as the function's null rule says) and calls the function itself for
any other value, so every result and every error is the function's own. `on_error: null
| default` recovers a failed value of its field alone (a try around that field only),
when the caller does not keep the recovered errors (a run). Anything else (a step failing
without recovery, a rule or `required` failing, a source that cannot be read, `missing:
skip` with every source missing, a record that is not an object) maps that record again
on the careful path, as the column path does: error records and dead letters stay what
they were.

No text of the mapping reaches the compiler: the source is generated from generated names
(`v0`, `n1`, `g2`, …) and every key, constant, pattern, table and function is bound as a
global of the generated function.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from fieldwright.domain import OnError
from fieldwright.engine.columns import target_tree
from fieldwright.engine.expressions import Expression, ExpressionFailed, evaluate_all
from fieldwright.engine.functions import datetimes, lookups, numbers, strings, text_formats
from fieldwright.engine.functions._common import as_number_text
from fieldwright.engine.functions._patterns import Pattern
from fieldwright.engine.functions._temporal import LONGEST_ISO_DATE

if TYPE_CHECKING:
    from fieldwright.engine.compiler import CompiledField, CompiledStep

__all__ = ["Careful", "Fused", "fuse"]

#: Maps a chunk: (records, the set the indexes of records to map carefully go into) →
#: one output per record (None for those).
Fused = Callable[[Sequence[Mapping[str, Any]], set[int]], list[dict[str, Any] | None]]

#: Values bound as they are: nothing can change them through an output.
_IMMUTABLE = (str, int, float, bool, type(None))
#: Functions whose str method form is their `on_text` (one call, no argument).
_STR_METHODS: dict[Callable[..., Any], str] = {
    strings.upper: "upper",
    strings.lower: "lower",
    strings.title: "title",
}
#: trim and its one-sided forms, by their str method.
_TRIMS: dict[Callable[..., Any], str] = {
    strings.trim: "strip",
    strings.trim_left: "lstrip",
    strings.trim_right: "rstrip",
}


#: An expression's value on a record it failed on (the careful path says why).
FAILED = object()


class Careful(Exception):
    """Raised inside a fused function: this record is mapped on the careful path."""


class _Generator:
    """The source of one fused function and the globals it is bound to."""

    def __init__(self, errors: tuple[type[BaseException], ...], recovering: bool) -> None:
        self.scope: dict[str, Any] = {
            "CAREFUL": Careful,
            "RECORD_ERRORS": (Careful, *errors),
            "STEP_ERRORS": errors,
            "EMPTY": {},
            "DEEPCOPY": copy.deepcopy,
            "FAILED": FAILED,
        }
        self.recovering = recovering
        self.nodes: dict[tuple[str, ...], str] = {(): "r"}
        self.node_lines: list[str] = []
        self.lines: list[str] = []

    def bind(self, value: Any) -> str:
        """A new global name bound to `value`."""
        name = f"g{len(self.scope)}"
        self.scope[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, names: tuple[str, ...]) -> str:
        """The variable holding the object at `names` in the record (EMPTY when it is not
        an object), read once per record before the fields."""
        found = self.nodes.get(names)
        if found is not None:
            return found
        parent = self.node(names[:-1])
        variable = f"n{len(self.nodes)}"
        key = self.bind(names[-1])
        self.node_lines.append(f"{variable} = {parent}.get({key})")
        self.node_lines.append(f"if type({variable}) is not dict:")
        self.node_lines.append(f"    {variable} = EMPTY")
        self.nodes[names] = variable
        return variable

    # -- reading ------------------------------------------------------------------

    def read(self, field: CompiledField, index: int, depth: int) -> list[str]:
        """Emit the reading of the field's sources; the variables holding them. An
        expression's value comes from its column (`c<index>`, evaluated for the chunk
        before the loop); a record it failed on is mapped on the careful path."""
        if field.expression is not None:
            self.emit(depth, f"s{index}_0 = c{index}[i]")
            self.emit(depth, f"if s{index}_0 is FAILED:")
            self.emit(depth + 1, "raise CAREFUL")
            return [f"s{index}_0"]
        if not field.sources:
            constant = field.mapping.constant
            if isinstance(constant, _IMMUTABLE):
                self.emit(depth, f"s{index}_0 = {self.bind(constant)}")
            else:
                self.emit(depth, f"s{index}_0 = DEEPCOPY({self.bind(constant)})")
            return [f"s{index}_0"]
        names: list[str] = []
        for number, source in enumerate(field.sources):
            variable = f"s{index}_{number}"
            names.append(variable)
            segments = source.segments
            if segments is not None and segments and all(type(s) is str for s in segments):
                path = tuple(str(s) for s in segments)
                parent = self.node(path[:-1])
                self.emit(depth, f"{variable} = {parent}.get({self.bind(path[-1])})")
            elif (
                segments is not None
                and len(segments) >= 2
                and type(segments[-1]) is int
                and all(type(s) is str for s in segments[:-1])
            ):  # $.a.b[0]: None unless the list has that item (the getter's rule)
                path = tuple(str(s) for s in segments[:-1])
                position = self.bind(segments[-1])
                self.emit(depth, f"x = {self.node(path[:-1])}.get({self.bind(path[-1])})")
                self.emit(
                    depth,
                    f"{variable} = x[{position}] if type(x) is list and "
                    f"-len(x) <= {position} < len(x) else None",
                )
            elif source.spread is not None:  # $.a.b[*]: a list's items, an object's values
                spread = source.spread
                if spread:
                    parent = self.node(spread[:-1])
                    self.emit(depth, f"x = {parent}.get({self.bind(spread[-1])})")
                else:
                    self.emit(depth, "x = r")
                self.emit(
                    depth,
                    f"{variable} = list(x) if type(x) is list else "
                    "list(x.values()) if type(x) is dict else []",
                )
            else:  # filters, descendants…: the source's own getter (it may raise: careful)
                self.emit(depth, f"{variable} = {self.bind(source.get)}(r)")
        return names

    # -- the steps ----------------------------------------------------------------

    def step(self, step: CompiledStep, value: str, depth: int) -> None:
        """Emit `value = step(value)` with the step's fast form, when it has one."""
        if step.passthrough:
            self.emit(depth, f"if {value} is not None:")
            depth += 1
        if step.context:
            self.emit(depth, f"{value} = {self.bind(step.call)}({value}, r)")
            return
        impl, args = step.impl, step.args
        call = f"{self.bind(impl)}({', '.join([value, *map(self.bind, args)])})"
        if self._emitted_block(step, value, depth, call):
            return
        fast = self._fast(step, value)
        if fast is None and step.on_text is not None:  # the batch path's str shortcut
            fast = f"{self.bind(step.on_text)}({', '.join([value, *map(self.bind, args)])})"
        if fast is None:
            self.emit(depth, f"{value} = {call}")
        else:
            self.emit(depth, f"{value} = {fast} if type({value}) is str else {call}")

    def _fast(self, step: CompiledStep, value: str) -> str | None:
        """The expression equal to the step on a str `value`, when it is one expression."""
        impl, args = step.impl, step.args
        if impl in _STR_METHODS and step.on_text is not None and not args:
            return f"{value}.{_STR_METHODS[impl]}()"
        if impl in _TRIMS and len(args) == 1:
            chars = args[0]
            if chars is None:
                return f"{value}.{_TRIMS[impl]}()"
            return f"{value}.{_TRIMS[impl]}({self.bind(chars)})"
        if impl is text_formats.normalize_whitespace and not args:
            return f'" ".join({value}.split())'
        if impl is strings.regex_replace and len(args) == 3:
            pattern, replacement, count = args
            if (
                isinstance(pattern, Pattern)
                and pattern.fast_sub is not None
                and type(replacement) is str
                and "\\" not in replacement  # a literal: re's sub cannot fail on it
                and type(count) is int
                and count >= 0
            ):
                sub = self.bind(pattern.fast_sub)
                return f"{sub}({self.bind(replacement)}, {value}, {self.bind(count)})"
        return None

    def _emitted_block(self, step: CompiledStep, value: str, depth: int, call: str) -> bool:
        """Emit a step whose fast form takes statements or other types than str; False
        when the step has none."""
        impl, args = step.impl, step.args
        if impl is text_formats.to_string and not args:  # canonical_text: str as is, int by str
            self.emit(
                depth,
                f"{value} = {value} if type({value}) is str else "
                f"str({value}) if type({value}) is int else {call}",
            )
            return True
        if impl is lookups.lookup and len(args) == 3:
            table, default, ignore_case = args
            if type(table) is lookups.LookupTable and ignore_case is False:
                missing = self.bind(lookups.fallback(table, default))
                # a str key found or not; null is never a key (the table's fallback)
                self.emit(
                    depth,
                    f"{value} = {self.bind(table)}.get({value}, {missing}) if type({value}) "
                    f"is str else {missing} if {value} is None else {call}",
                )
                return True
        return False

    def format_date(self, step: CompiledStep, value: str, index: int, depth: int) -> bool:
        """format_date of ISO text read at once (its str shortcut, inlined); False when
        the step is not that."""
        if step.impl is not datetimes.format_date or step.context or len(step.args) != 1:
            return False
        (form,) = step.args
        if type(form) is not str:
            return False
        if step.passthrough:
            self.emit(depth, f"if {value} is not None:")
            depth += 1
        call = f"{self.bind(step.impl)}({value}, {self.bind(form)})"
        day, text = f"d{index}", f"t{index}"
        fixed = datetimes._FIXED_FORMATS.get(form)
        if fixed is date.isoformat:
            written = f"{day}.isoformat()"
        elif fixed is not None:
            written = f"{self.bind(fixed)}({day})"
        else:
            written = None
        self.emit(depth, f"if type({value}) is str:")
        self.emit(depth + 1, f"{text} = {value}.strip()")
        self.emit(depth + 1, "try:")
        short, long = self.bind(date.fromisoformat), self.bind(datetime.fromisoformat)
        self.emit(
            depth + 2,
            f"{day} = {short}({text}) if len({text}) <= {self.bind(LONGEST_ISO_DATE)} "
            f"else {long}({text}).date()",
        )
        self.emit(depth + 1, "except ValueError:")  # the other readings, or the exact error
        self.emit(depth + 2, f"{value} = {call}")
        self.emit(depth + 1, "else:")
        strftime = f"{day}.strftime({self.bind(form)})"
        if written is None:
            self.emit(depth + 2, f"{value} = {strftime}")
        else:  # strftime does not pad years below 1000
            self.emit(depth + 2, f"{value} = {written} if {day}.year >= 1000 else {strftime}")
        self.emit(depth, "else:")
        self.emit(depth + 1, f"{value} = {call}")
        return True

    def to_number(self, step: CompiledStep, value: str, index: int, depth: int) -> bool:
        """to_number of plain digits (an int) or digits around one dot (a float), read at
        once; other text through its str shortcut; False when the step is not that."""
        if step.impl is not numbers.to_number or step.context or step.args:
            return False
        if step.passthrough:
            self.emit(depth, f"if {value} is not None:")
            depth += 1
        whole, dot, fraction = f"w{index}", f"p{index}", f"f{index}"
        self.emit(depth, f"if type({value}) is str and {value}.isascii():")
        self.emit(depth + 1, f"{whole}, {dot}, {fraction} = {value}.partition('.')")
        self.emit(depth + 1, f"if not {dot} and {whole}.isdigit():")
        self.emit(depth + 2, f"{value} = int({value})")
        # under 300 digits before the dot a float is finite (as_number_text checks it)
        self.emit(
            depth + 1,
            f"elif {dot} and {whole}.isdigit() and {fraction}.isdigit() and len({whole}) < 300:",
        )
        self.emit(depth + 2, f"{value} = float({value})")
        self.emit(depth + 1, "else:")
        self.emit(depth + 2, f"{value} = {self.bind(as_number_text)}({value})")
        self.emit(depth, f"elif type({value}) is str:")
        self.emit(depth + 1, f"{value} = {self.bind(as_number_text)}({value})")
        self.emit(depth, "else:")
        self.emit(depth + 1, f"{value} = {self.bind(step.impl)}({value})")
        return True

    def concat(self, step: CompiledStep, sources: list[str], value: str, depth: int) -> bool:
        """concat (skipping empty values) of several sources, as one join of the texts;
        False when the step is not that."""
        if step.impl is not strings.concat or step.context or len(step.args) != 2:
            return False
        separator, skip_empty = step.args
        if type(separator) is not str or skip_empty is not True or len(sources) < 2:
            return False
        texts = " and ".join(f"(type({s}) is str or {s} is None)" for s in sources)
        sep = self.bind(separator)
        self.emit(depth, f"if {texts}:")
        if len(sources) == 2:  # a null or empty text is left out
            first, second = sources
            self.emit(
                depth + 1,
                f"{value} = {first} + {sep} + {second} if {first} and {second} "
                f'else {first} or {second} or ""',
            )
        else:
            self.emit(depth + 1, f"{value} = {sep}.join(filter(None, ({', '.join(sources)},)))")
        self.emit(depth, "else:")
        self.emit(
            depth + 1,
            f"{value} = {self.bind(step.impl)}([{', '.join(sources)}], {sep}, True)",
        )
        return True

    # -- a field ------------------------------------------------------------------

    def field(self, field: CompiledField, index: int, depth: int) -> None:
        """Emit the field's value into `v<index>`, or raise CAREFUL."""
        value = f"v{index}"
        if field.presence:  # missing: skip with every source missing leaves the target out
            tests = " or ".join(f"{self.bind(test)}(r)" for test in field.presence)
            self.emit(depth, f"if not ({tests}):")
            self.emit(depth + 1, "raise CAREFUL")
        sources = self.read(field, index, depth)
        steps = field.steps
        recovers = (
            self.recovering and steps and field.mapping.on_error in (OnError.NULL, OnError.DEFAULT)
        )
        inner = depth
        if recovers:
            self.emit(depth, "try:")
            inner += 1
        first = 0
        if len(sources) > 1 and steps and self.concat(steps[0], sources, value, inner):
            first = 1
        else:
            joined = sources[0] if len(sources) == 1 else f"[{', '.join(sources)}]"
            self.emit(inner, f"{value} = {joined}")
        for step in steps[first:]:
            if not (
                self.format_date(step, value, index, inner)
                or self.to_number(step, value, index, inner)
            ):
                self.step(step, value, inner)
        if recovers:
            self.emit(depth, "except STEP_ERRORS:")
            fallback = field.fallback()
            if isinstance(fallback, _IMMUTABLE):
                self.emit(depth + 1, f"{value} = {self.bind(fallback)}")
            else:
                self.emit(depth + 1, f"{value} = DEEPCOPY({self.bind(fallback)})")
            self.emit(depth, "else:")
            self.finish(field, value, depth + 1)
        else:
            self.finish(field, value, depth)

    def finish(self, field: CompiledField, value: str, depth: int) -> None:
        """The default for null, `required`, then the checks (as `transform` orders them)."""
        default = field.mapping.default
        emitted = False
        if default is not None:
            bound = self.bind(default)
            self.emit(depth, f"if {value} is None:")
            if isinstance(default, _IMMUTABLE):
                self.emit(depth + 1, f"{value} = {bound}")
            else:
                self.emit(depth + 1, f"{value} = DEEPCOPY({bound})")
            emitted = True
        elif field.required is not None:
            self.emit(depth, f"if {value} is None:")
            self.emit(depth + 1, "raise CAREFUL")
            emitted = True
        if field.checks:
            failing = " or ".join(
                f"{self.bind(check)}({value}) is not None" for check in field.checks
            )
            self.emit(depth, f"if {value} is not None and ({failing}):")
            self.emit(depth + 1, "raise CAREFUL")
            emitted = True
        if not emitted:
            self.emit(depth, "pass")


def _display(tree: dict[str, Any], generator: _Generator) -> str:
    """The nested dict display of the output, keys bound as globals."""
    return (
        "{"
        + ", ".join(
            f"{generator.bind(name)}: "
            + (_display(child, generator) if isinstance(child, dict) else f"v{child}")
            for name, child in tree.items()
        )
        + "}"
    )


def fuse(
    fields: Sequence[CompiledField], errors: tuple[type[BaseException], ...], *, recovering: bool
) -> Fused | None:
    """The fused function of `fields` (in the order their targets are written), or None
    when a field needs the column path (an expression, an item target) or a target is
    not a plain path of member names, or is another's parent or equal to it.

    `recovering`: `on_error: null | default` puts its value in place without an error
    record (a run); otherwise a failed value maps its record on the careful path, which
    records the error (the preview, `apply_many`).
    """
    if not fields or any(
        (f.expression is not None and f.expression.targets) or f.target.per_item for f in fields
    ):
        return None
    tree = target_tree([f.target.segments for f in fields])
    if tree is None:
        return None
    generator = _Generator(errors, recovering)
    for number, field in enumerate(fields):
        generator.field(field, number, 3)
    display = _display(tree, generator)
    expressions = [
        (number, field.expression)
        for number, field in enumerate(fields)
        if field.expression is not None
    ]
    columns = "".join(f", c{number}" for number, _ in expressions)
    head = [
        f"def fused(records, bad{columns}):",
        "    out = []",
        "    append = out.append",
        "    for i, r in enumerate(records):",
        "        if type(r) is not dict:",
        "            bad.add(i)",
        "            append(None)",
        "            continue",
        "        try:",
    ]
    nodes = ["            " + line for line in generator.node_lines]
    tail = [
        f"            append({display})",
        "        except RECORD_ERRORS:",
        "            bad.add(i)",
        "            append(None)",
        "    return out",
    ]
    source = "\n".join([*head, *nodes, *generator.lines, *tail]) + "\n"
    scope = generator.scope
    exec(compile(source, "<fieldwright fused mapping>", "exec"), scope)
    generated: Callable[..., list[dict[str, Any] | None]] = scope["fused"]
    if not expressions:
        built: Fused = generated
    else:
        evaluated = [expression for _, expression in expressions]

        def built(
            records: Sequence[Mapping[str, Any]], bad: set[int]
        ) -> list[dict[str, Any] | None]:
            return generated(records, bad, *(_column(e, records) for e in evaluated))

    built.__fieldwright_source__ = source  # type: ignore[attr-defined]  # for tests and profiling
    return built


def _column(expression: Expression, records: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The expression's values on a chunk's records, FAILED where it fails (the column
    path's `evaluate_all`, then record by record when a record fails)."""
    try:
        return evaluate_all(expression, records)
    except ExpressionFailed:
        pass
    values: list[Any] = []
    for record in records:
        try:
            values.append(expression.evaluate(record))
        except ExpressionFailed:
            values.append(FAILED)
    return values
