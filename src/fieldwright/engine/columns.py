"""The batch path: map many records field by field, a column at a time.

A run maps records in chunks. For each field, the source values of the whole
chunk are read into a list and every transform step runs as one list
comprehension, which costs far less per record than calling a closure per
field per record. A value the column cannot handle (a step raising, a rule
failing, a required value missing) marks its record, and marked records are
mapped again one by one on the careful path, which reports the step, rule and
`on_error` outcome. Both paths use the same compiled getters, functions and
checks; a property test holds them equal.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from fieldwright.domain import OnError
from fieldwright.engine.expressions import evaluate_all
from fieldwright.engine.results import FieldError

if TYPE_CHECKING:
    from fieldwright.engine.compiler import CompiledField, CompiledStep

__all__ = [
    "Column",
    "Marks",
    "Values",
    "column",
    "column_values",
    "record_builder",
    "target_tree",
]

Record = Mapping[str, Any]
#: Source columns of the chunk by member-name path, shared by the fields that read
#: them, each with whether all its values are dicts (None until someone asks).
Cache = dict[tuple[str, ...], tuple[list[Any], list[bool]]]
#: Maps one field for a chunk: (records, outputs, indexes of records to redo carefully, cache).
Column = Callable[[Sequence[Record], list[dict[str, Any]], set[int], Cache], None]


class Values(Protocol):
    """One field's values for a chunk: (records, indexes of records to redo carefully,
    cache, and the outputs written so far, which an expression reads as `$target`)."""

    def __call__(
        self,
        records: Sequence[Record],
        bad: set[int],
        cache: Cache,
        outputs: Sequence[dict[str, Any]] | None = None,
        /,
    ) -> list[Any]: ...


class Marks(set[int]):
    """The records of a chunk to map again on the careful path, plus the errors that
    `on_error: null | default` recovered in the others (by record index, field order),
    when `keep` (a run needs only the recovered values, not their errors)."""

    def __init__(self, keep: bool = True) -> None:
        super().__init__()
        self.keep = keep
        self.recovered: dict[int, list[FieldError]] = {}


#: Where a value failed: the exception and the step that raised it.
Failures = dict[int, tuple[BaseException, "CompiledStep"]]


def _all_dicts(values: Sequence[Any]) -> bool:
    return set(map(type, values)) == {dict}


def _member_column(names: tuple[str, ...], records: Sequence[Record], cache: Cache) -> list[Any]:
    """The values at a path of member names, reusing the columns of its parents."""
    found = cache.get(names)
    if found is not None:
        return found[0]
    key = names[-1]
    if len(names) == 1:
        parents: Sequence[Any] = records
        dicts = _all_dicts(records)
    else:
        parents = _member_column(names[:-1], records, cache)
        flag = cache[names[:-1]][1]
        if not flag:
            flag.append(_all_dicts(parents))
        dicts = flag[0]
    if dicts:  # one C-level pass: dict.get over the column
        values = list(map(dict.get, parents, itertools.repeat(key)))
    else:
        values = [parent.get(key) if type(parent) is dict else None for parent in parents]
    cache[names] = (values, [])
    return values


def _items(value: Any) -> list[Any]:
    """What ``[*]`` selects in `value`: a list's items, an object's values, else none."""
    if type(value) is list:
        return list(value)
    if type(value) is dict:
        return list(value.values())
    return []


def _read(
    field: CompiledField, copy_shared: bool
) -> Callable[[Sequence[Record], Cache], list[Any]]:
    sources = field.sources
    expression = field.expression
    if expression is not None:  # a failing record raises: the column goes one by one
        return lambda records, cache: evaluate_all(expression, records)
    if not sources:
        constant = field.mapping.constant
        if isinstance(constant, dict | list):
            return lambda records, cache: [copy.deepcopy(constant) for _ in records]
        return lambda records, cache: [constant] * len(records)
    if len(sources) == 1:
        source = sources[0]
        segments = source.segments
        if (
            segments is not None
            and len(segments) > 1
            and isinstance(segments[-1], int)
            and all(isinstance(s, str) for s in segments[:-1])
        ):  # $.a.b[0]: an item of each list of the $.a.b column
            parents, position = tuple(str(s) for s in segments[:-1]), segments[-1]
            return lambda records, cache: [
                value[position]
                if type(value) is list and -len(value) <= position < len(value)
                else None
                for value in _member_column(parents, records, cache)
            ]
        if segments is not None and all(isinstance(s, str) for s in segments):
            names = tuple(str(s) for s in segments)
            if copy_shared:  # defaults are written into the list: keep the shared column intact
                return lambda records, cache: list(_member_column(names, records, cache))
            return lambda records, cache: _member_column(names, records, cache)
        spread = source.spread
        if spread is not None:  # $.a.b[*]: the items of the $.a.b column
            if not spread:
                return lambda records, cache: [_items(record) for record in records]
            return lambda records, cache: [
                list(value)
                if type(value) is list
                else list(value.values())
                if type(value) is dict
                else []
                for value in _member_column(spread, records, cache)
            ]
        get = source.get
        return lambda records, cache: [get(record) for record in records]
    if all(s.segments is not None and all(type(x) is str for x in s.segments) for s in sources):
        paths = tuple(tuple(str(x) for x in s.segments or ()) for s in sources)
        return lambda records, cache: list(
            map(list, zip(*(_member_column(path, records, cache) for path in paths), strict=True))
        )
    getters = tuple(source.get for source in sources)
    return lambda records, cache: [[get(record) for get in getters] for record in records]


def _writer(field: CompiledField) -> Callable[[list[dict[str, Any]], list[Any]], None]:
    segments = field.target.segments
    if len(segments) == 1 and isinstance(segments[0], str):
        key = segments[0]

        def write_member(outputs: list[dict[str, Any]], values: list[Any]) -> None:
            for output, value in zip(outputs, values, strict=True):
                output[key] = value

        return write_member
    if len(segments) == 2 and all(isinstance(s, str) for s in segments):
        outer, inner = str(segments[0]), str(segments[1])

        def write_nested(outputs: list[dict[str, Any]], values: list[Any]) -> None:
            for output, value in zip(outputs, values, strict=True):
                child = output.get(outer)
                if type(child) is not dict:
                    child = output[outer] = {}
                child[inner] = value

        return write_nested
    if all(isinstance(s, str) for s in segments):  # a constant into $.a.b.c, for one
        parents, last = tuple(str(s) for s in segments[:-1]), str(segments[-1])

        def write_deep(outputs: list[dict[str, Any]], values: list[Any]) -> None:
            for output, value in zip(outputs, values, strict=True):
                node = output
                for key in parents:
                    child = node.get(key)
                    if type(child) is not dict:
                        child = node[key] = {}
                    node = child
                node[last] = value

        return write_deep
    put = field.target.set

    def write_path(outputs: list[dict[str, Any]], values: list[Any]) -> None:
        for output, value in zip(outputs, values, strict=True):
            put(output, value)

    return write_path


def _apply_step(step: CompiledStep, values: list[Any], records: Sequence[Record]) -> list[Any]:
    if step.context:
        call = step.call
        if step.passthrough:
            return [None if v is None else call(v, r) for v, r in zip(values, records, strict=True)]
        return [call(v, r) for v, r in zip(values, records, strict=True)]
    impl, args = step.impl, step.args
    on_text = step.on_text
    if on_text is not None:
        if set(map(type, values)) == {str}:  # a column of texts: one C-level pass
            if not args:
                return list(map(on_text, values))
            return list(map(on_text, values, *map(itertools.repeat, args)))
        if not args:
            return [
                on_text(v)
                if type(v) is str
                else None
                if v is None and step.passthrough
                else impl(v)
                for v in values
            ]
        if len(args) == 1:
            (arg,) = args
            return [
                on_text(v, arg)
                if type(v) is str
                else None
                if v is None and step.passthrough
                else impl(v, arg)
                for v in values
            ]
        return [
            on_text(v, *args)
            if type(v) is str
            else None
            if v is None and step.passthrough
            else impl(v, *args)
            for v in values
        ]
    if step.passthrough:
        if not args:
            return [None if v is None else impl(v) for v in values]
        if len(args) == 1:
            (arg,) = args
            return [None if v is None else impl(v, arg) for v in values]
        return [None if v is None else impl(v, *args) for v in values]
    return [impl(v, *args) for v in values]


def _step_by_value(
    step: CompiledStep,
    values: list[Any],
    records: Sequence[Record],
    errors: tuple[type[BaseException], ...],
    failed: Failures,
) -> list[Any]:
    """`step` over the column value by value: a value it cannot handle fails alone.

    The function is called as `_apply_step` calls it (its str shortcut, its arguments
    spread), not through the careful path's per-record wrapper. Values that an earlier
    step failed on, and nulls a passthrough step skips, come out null."""
    passthrough, args = step.passthrough, step.args
    out: list[Any] = [None] * len(values)
    for index, value in enumerate(values):
        if (value is None and passthrough) or index in failed:
            continue
        try:
            if step.context:
                out[index] = step.call(value, records[index])
            elif step.on_text is not None and type(value) is str:
                out[index] = step.on_text(value, *args)
            else:
                out[index] = step.impl(value, *args)
        except errors as exc:
            # Kept without its traceback: the traceback holds this frame, which holds
            # `failed`, a cycle per failed value that only the cyclic collector frees.
            failed[index] = (exc.with_traceback(None), step)
    return out


def _text_by_value(
    step: CompiledStep, values: list[Any], errors: tuple[type[BaseException], ...], failed: Failures
) -> list[Any] | None:
    """`_step_by_value` of a step with a str shortcut and at most one argument, on a
    column no earlier step failed on: the common case (to_number over amounts, some
    empty or "N/A"), in one tight loop. None when it does not apply."""
    on_text, impl, args = step.on_text, step.impl, step.args
    if on_text is None or step.context or failed or len(args) > 1:
        return None
    passthrough = step.passthrough
    out: list[Any] = [None] * len(values)
    if args:
        (arg,) = args
        for index, value in enumerate(values):
            try:
                if type(value) is str:
                    out[index] = on_text(value, arg)
                elif value is not None or not passthrough:
                    out[index] = impl(value, arg)
            except errors as exc:
                failed[index] = (exc.with_traceback(None), step)
        return out
    for index, value in enumerate(values):
        try:
            if type(value) is str:
                out[index] = on_text(value)
            elif value is not None or not passthrough:
                out[index] = impl(value)
        except errors as exc:
            failed[index] = (exc.with_traceback(None), step)
    return out


def column(field: CompiledField, errors: tuple[type[BaseException], ...]) -> Column | None:
    """The column function of `field`, or None when it needs the careful path."""
    values_of = column_values(field, errors)
    if values_of is None:
        return None
    write = _writer(field)

    def run(
        records: Sequence[Record], outputs: list[dict[str, Any]], bad: set[int], cache: Cache
    ) -> None:
        write(outputs, values_of(records, bad, cache, outputs))

    return run


def column_values(field: CompiledField, errors: tuple[type[BaseException], ...]) -> Values | None:
    """What `column` computes of `field` for a chunk, without writing it: the value each
    record gets (a record marked in `bad` is mapped again on the careful path); None when
    the field needs the careful path."""
    if field.target.per_item:
        return None
    steps = field.steps
    read = _read(field, copy_shared=not steps and field.mapping.default is not None)
    checks = field.checks
    mapping = field.mapping
    default, required = mapping.default, field.required is not None
    copy_default = isinstance(default, dict | list)
    finishing = bool(checks) or default is not None or required

    targets = field.expression is not None and bool(field.expression.targets)

    def one_by_one(
        records: Sequence[Record], bad: set[int], outputs: Sequence[dict[str, Any]] | None
    ) -> list[Any]:
        values: list[Any] = []
        for index, record in enumerate(records):
            try:
                value = field.source_value(
                    record, target=None if outputs is None else outputs[index]
                )
                for step in steps:
                    if value is None and step.passthrough:
                        continue
                    value = step.call(value, record)
            except errors:
                bad.add(index)
                value = None
            values.append(value)
        return values

    recovers = mapping.on_error in (OnError.NULL, OnError.DEFAULT)

    def finish(values: list[Any], bad: set[int], failed: Failures) -> None:
        """Put the default in for null, mark a null that is required, then run the checks
        the whole column does not pass at once value by value (null skips them; so do
        the values that failed a step: on_error decides those)."""
        if (default is not None or required) and None in values:
            for index, value in enumerate(values):
                if value is not None or index in failed:
                    continue
                if default is not None:
                    values[index] = copy.deepcopy(default) if copy_default else default
                elif required:
                    bad.add(index)
        pending = [
            check
            for check, fast in itertools.zip_longest(checks, field.all_fit)
            if fast is None or not fast(values)
        ]
        if not pending:
            return
        for index, value in enumerate(values):
            if value is None or index in failed:
                continue
            for check in pending:
                if check(value) is not None:
                    bad.add(index)
                    break

    def recover(values: list[Any], bad: set[int], failed: Failures) -> None:
        """on_error null/default for each failed value alone; others map carefully."""
        if not recovers or not isinstance(bad, Marks):
            bad.update(failed)
            return
        if not bad.keep:
            for index in failed:
                values[index] = field.fallback()
            return
        for index, (exc, step) in failed.items():
            error, values[index] = field.recovered(exc, step)
            bad.recovered.setdefault(index, []).append(error)

    #: Per step, whether it failed on a value of the last chunk (expected data problems
    #: under on_error recur: the next chunk goes value by value without a wasted try).
    failing = [False] * len(steps)

    def values_of(
        records: Sequence[Record],
        bad: set[int],
        cache: Cache,
        outputs: Sequence[dict[str, Any]] | None = None,
    ) -> list[Any]:
        failed: Failures = {}
        try:
            if targets and field.expression is not None:  # `$target`: the outputs so far
                values = evaluate_all(field.expression, records, outputs)
            else:
                values = read(records, cache)
        except errors:  # the careful path says which source could not be read
            values = one_by_one(records, bad, outputs)
        else:
            for number, step in enumerate(steps):
                if failing[number]:  # it failed in the last chunk: no whole-column try
                    before = len(failed)
                    values = _text_by_value(step, values, errors, failed) or _step_by_value(
                        step, values, records, errors, failed
                    )
                    failing[number] = len(failed) > before
                    continue
                try:
                    values = _apply_step(step, values, records)
                    continue
                except errors:
                    pass  # value by value below, outside the handler: no exception context
                values = _step_by_value(step, values, records, errors, failed)
                failing[number] = True
        if finishing:
            finish(values, bad, failed)
        if failed:
            recover(values, bad, failed)
        if field.presence:  # missing: skip — the careful path leaves these targets out
            bad.update(i for i, record in enumerate(records) if field.all_missing(record))
        return values

    return values_of


def target_tree(targets: Sequence[Sequence[Any]]) -> dict[str, Any] | None:
    """The outputs' shape: nested dicts of member names whose leaves are the index of the
    field writing there, keys in the order of their first field; None unless every target
    is a plain path of member names and none is another's parent or equal to it."""
    if not targets or not all(path and all(type(name) is str for name in path) for path in targets):
        return None
    paths = [tuple(str(name) for name in path) for path in targets]
    every = set(paths)
    if len(every) < len(paths) or any(
        path[:end] in every for path in paths for end in range(1, len(path))
    ):
        return None
    tree: dict[str, Any] = {}
    for number, path in enumerate(paths):
        node = tree
        for name in path[:-1]:
            node = node.setdefault(name, {})
        node[path[-1]] = number
    return tree


def record_builder(
    targets: Sequence[tuple[Any, ...]],
) -> Callable[..., list[dict[str, Any]]] | None:
    """A function building a chunk's outputs at once from one value column per target
    (`targets` in the order their fields are written), or None when a target is not a
    plain path of member names, or is another's parent or equal to it (then each field
    writes its column in turn, the later one over the earlier).

    Writing the fields one after the other, the first write under a parent creates it:
    the keys of every object come in the order of their first field. The builder is one
    list comprehension of nested dict displays in that order, so its outputs are the
    same objects with the same key order, for a fraction of the cost of 12 passes of
    item assignments. Its source is generated once per mapping from generated names
    only: each key is a variable (`k0`, `k1`, …) bound in the function's globals, so
    no text of the mapping ever reaches the compiler.
    """
    tree = target_tree(targets)
    if tree is None:
        return None

    keys: dict[str, Any] = {}  # k<n> -> a target's member name, bound as a global

    def key(name: str) -> str:
        variable = f"k{len(keys)}"
        keys[variable] = name
        return variable

    def display(node: dict[str, Any]) -> str:
        return (
            "{"
            + ", ".join(
                f"{key(name)}: {display(child) if isinstance(child, dict) else f'v{child}'}"
                for name, child in node.items()
            )
            + "}"
        )

    columns = ", ".join(f"c{number}" for number in range(len(targets)))
    values = ", ".join(f"v{number}" for number in range(len(targets)))
    source = (
        f"def build({columns}):\n"
        f"    return [{display(tree)} for {values}, in zip({columns}, strict=True)]\n"
    )
    scope: dict[str, Any] = dict(keys)
    exec(compile(source, "<fieldwright record builder>", "exec"), scope)
    built: Callable[..., list[dict[str, Any]]] = scope["build"]
    return built
