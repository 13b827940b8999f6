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
from typing import TYPE_CHECKING, Any

from fieldwright.domain import OnError
from fieldwright.engine.expressions import evaluate_all
from fieldwright.engine.results import FieldError

if TYPE_CHECKING:
    from fieldwright.engine.compiler import CompiledField, CompiledStep

__all__ = ["Column", "Marks", "column"]

Record = Mapping[str, Any]
#: Source columns of the chunk by member-name path, shared by the fields that read
#: them, each with whether all its values are dicts (None until someone asks).
Cache = dict[tuple[str, ...], tuple[list[Any], list[bool]]]
#: Maps one field for a chunk: (records, outputs, indexes of records to redo carefully, cache).
Column = Callable[[Sequence[Record], list[dict[str, Any]], set[int], Cache], None]


class Marks(set[int]):
    """The records of a chunk to map again on the careful path, plus the errors that
    `on_error: null | default` recovered in the others (by record index, field order)."""

    def __init__(self) -> None:
        super().__init__()
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


def _item(value: Any, position: int) -> Any:
    """Item `position` of a list (negative from the end), else None."""
    if type(value) is list and -len(value) <= position < len(value):
        return value[position]
    return None


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
                _item(value, position) for value in _member_column(parents, records, cache)
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
    spread), not through the careful path's per-record wrapper."""
    passthrough = step.passthrough
    call, impl, args, on_text = step.call, step.impl, step.args, step.on_text
    out: list[Any] = []
    append = out.append
    for index, value in enumerate(values):
        if (value is None and passthrough) or index in failed:
            append(None)
            continue
        try:
            if step.context:
                append(call(value, records[index]))
            elif on_text is not None and type(value) is str:
                append(on_text(value, *args))
            else:
                append(impl(value, *args))
        except errors as exc:
            # Kept without its traceback: the traceback holds this frame, which holds
            # `failed`, a cycle per failed value that only the cyclic collector frees.
            failed[index] = (exc.with_traceback(None), step)
            append(None)
    return out


def column(field: CompiledField, errors: tuple[type[BaseException], ...]) -> Column | None:
    """The column function of `field`, or None when it needs the careful path."""
    if field.target.per_item:
        return None
    steps = field.steps
    read = _read(field, copy_shared=not steps and field.mapping.default is not None)
    checks = field.checks
    mapping = field.mapping
    default, required = mapping.default, field.required is not None
    copy_default = isinstance(default, dict | list)
    finishing = bool(checks) or default is not None or required
    write = _writer(field)

    def one_by_one(records: Sequence[Record], bad: set[int]) -> list[Any]:
        values: list[Any] = []
        for index, record in enumerate(records):
            try:
                value = field.source_value(record)
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
        for index, (exc, step) in failed.items():
            error, values[index] = field.recovered(exc, step)
            bad.recovered.setdefault(index, []).append(error)

    #: Per step, whether it failed on a value of the last chunk (expected data problems
    #: under on_error recur: the next chunk goes value by value without a wasted try).
    failing = [False] * len(steps)

    def run(
        records: Sequence[Record], outputs: list[dict[str, Any]], bad: set[int], cache: Cache
    ) -> None:
        failed: Failures = {}
        try:
            values = read(records, cache)
        except errors:  # the careful path says which source could not be read
            values = one_by_one(records, bad)
        else:
            for number, step in enumerate(steps):
                if failing[number]:  # it failed in the last chunk: no whole-column try
                    before = len(failed)
                    values = _step_by_value(step, values, records, errors, failed)
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
        write(outputs, values)

    return run
