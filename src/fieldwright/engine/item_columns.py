"""The batch path of an array mapped item by item: every item of a chunk at once.

`fieldwright.engine.item_mapping` maps a record's items one by one, each field
of each item through its readers, its chain and its checks. On the batch path
the items of all the records of a chunk are laid end to end, and each field
runs once over that column of items: a source is read with one pass over the
items (`dict.get` mapped over them), each transform step is one list
comprehension, an expression runs in one reused evaluation. A value that
fails anywhere (a step raising, a rule refusing it, a required value missing,
an array that is not one) marks its record, and the run maps that record
again on the careful path, which reports the error and applies `on_error`.
The two paths give the same output; tests/engine/test_item_columns.py holds
them equal on random records.

Arrays this path does not take (an array inside the array, a step that reads
the item's scope, a source above the item) stay on the careful path.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fieldwright.engine.expressions import evaluate_items
from fieldwright.engine.item_plan import ItemField, ItemNode
from fieldwright.engine.item_sources import Read

if TYPE_CHECKING:
    from fieldwright.engine.compiler import CompiledField, CompiledStep

__all__ = ["NodeColumn", "node_column", "put"]

Record = Mapping[str, Any]
#: Maps one array for a chunk: (records, outputs, indexes of records to redo carefully, cache).
NodeColumn = Callable[[Sequence[Record], list[dict[str, Any]], set[int], Any], None]
#: Writes a member's value below an item: (item output, value).
Put = Callable[[dict[str, Any], Sequence[Any], tuple[Any, ...]], None]


class _Items:
    """The items of a chunk end to end: each item's record (by index) and position."""

    __slots__ = ("items", "owners", "positions", "records", "roots")

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = records
        self.items: list[Any] = []
        self.owners: list[int] = []
        self.positions: list[int] = []
        self.roots: list[Record] | None = None

    def add(self, index: int, items: list[Any]) -> None:
        count = len(items)
        self.items += items
        self.owners += itertools.repeat(index, count)
        self.positions += range(count)

    def record_of_each(self) -> list[Record]:
        """The record each item belongs to (what `$` reads inside it)."""
        if self.roots is None:
            records = self.records
            self.roots = [records[owner] for owner in self.owners]
        return self.roots


def node_column(node: ItemNode, fields: Mapping[int, CompiledField]) -> NodeColumn | None:
    """The batch path of the array `node`, or None when its fields need the careful path."""
    if node.items is None or not all(isinstance(m, ItemField) for m in node.members):
        return None
    members = [m for m in node.members if isinstance(m, ItemField)]
    itself = next((m for m in members if not m.below), None)
    chosen = [itself] if itself is not None else members
    plans: list[tuple[Callable[[_Items, set[int]], list[Any]], tuple[Any, ...]]] = []
    for member in chosen:
        field = fields[member.index]
        if any(step.context for step in field.steps):
            return None  # a step that reads the item's scope (its position, its parent)
        if len(member.reads) != len(member.readers) or any(
            read.up not in (None, 0) for read in member.reads
        ):
            return None
        plans.append((_member_values(member, field), member.below))
    items_of = node.items
    at, default = node.at, node.default
    wrap = itself is None
    key = at[0] if len(at) == 1 and isinstance(at[0], str) else None

    def run(
        records: Sequence[Record], outputs: list[dict[str, Any]], bad: set[int], cache: Any
    ) -> None:
        chunk = _Items(records)
        spans: list[tuple[int, int] | None] = []
        for index, record in enumerate(records):
            try:
                items = items_of(record, None)
            except Exception:  # noqa: BLE001 - the careful path reports (or raises) it
                bad.add(index)
                spans.append(None)
                continue
            if items is None:
                spans.append(None)
                continue
            start = len(chunk.items)
            chunk.add(index, items)
            spans.append((start, start + len(items)))
        failed: set[int] = set()
        written: list[Any]
        if wrap:
            written = [{} for _ in chunk.items]
            for values_of, below in plans:
                _write(written, values_of(chunk, failed), below)
        else:
            written = plans[0][0](chunk, failed)
        if failed:
            bad.update(chunk.owners[position] for position in failed)
        for index, span in enumerate(spans):
            if span is None:
                if default is not None and index not in bad:
                    put(outputs[index], at, copy.deepcopy(default))
                continue
            if key is not None:
                outputs[index][key] = written[span[0] : span[1]]
            else:
                put(outputs[index], at, written[span[0] : span[1]])

    return run


def _member_values(
    member: ItemField, field: CompiledField
) -> Callable[[_Items, set[int]], list[Any]]:
    """The values one field writes in every item of a chunk (failed items in `failed`)."""
    reads = tuple(_read_column(read) for read in member.reads)
    expression = field.expression
    constant = field.mapping.constant
    finish = _finisher(field)
    steps = tuple(_step_column(step) for step in field.steps)

    def values_of(chunk: _Items, failed: set[int]) -> list[Any]:
        values: list[Any]
        if not reads and expression is not None:
            values, failures = evaluate_items(expression, chunk.record_of_each(), chunk.items)
            failed.update(failures)
        elif not reads:
            values = (
                [copy.deepcopy(constant) for _ in chunk.items]
                if isinstance(constant, dict | list)
                else [constant] * len(chunk.items)
            )
        elif len(reads) == 1:
            values = reads[0](chunk, failed)
        else:
            values = [
                list(row) for row in zip(*(read(chunk, failed) for read in reads), strict=True)
            ]
        for step in steps:
            values = step(values, failed)
        finish(values, failed)
        return values

    return values_of


def _each(get: Callable[[Any], Any], values: Sequence[Any], failed: set[int]) -> list[Any]:
    """`get` of every value; one that raises fails its item alone."""
    try:
        return [get(value) for value in values]
    except Exception:  # noqa: BLE001 - the careful path reports (or raises) it
        pass
    out: list[Any] = []
    for position, value in enumerate(values):
        try:
            out.append(get(value))
        except Exception:  # noqa: BLE001 - the careful path reports (or raises) it
            failed.add(position)
            out.append(None)
    return out


def _read_column(read: Read) -> Callable[[_Items, set[int]], list[Any]]:
    """What one source reads in every item: a path below it, its position, or a value
    of its record."""
    path = read.path
    if read.special == "index":
        return lambda chunk, failed: list(chunk.positions)
    if read.special == "number":
        return lambda chunk, failed: [position + 1 for position in chunk.positions]
    if read.up is None:  # a value of the record, the same in all its items
        get: Callable[[Any], Any] = (lambda value: value) if path is None else path.get

        def of_record(chunk: _Items, failed: set[int]) -> list[Any]:
            broken: set[int] = set()
            found = _each(get, chunk.records, broken)
            owners = chunk.owners
            if broken:  # its items fail (a record without items never reads it)
                failed.update(p for p, owner in enumerate(owners) if owner in broken)
            return [found[owner] for owner in owners]

        return of_record
    if path is None:
        return lambda chunk, failed: list(chunk.items)
    segments = path.segments
    if segments is not None and len(segments) == 1 and type(segments[0]) is str:
        key = segments[0]
        member = path.get

        def one_name(chunk: _Items, failed: set[int]) -> list[Any]:
            items = chunk.items
            if set(map(type, items)) == {dict}:  # objects only: one C-level pass of dict.get
                return list(map(dict.get, items, itertools.repeat(key)))
            return [member(item) for item in items]

        return one_name
    below = path.get
    return lambda chunk, failed: _each(below, chunk.items, failed)


def _step_column(step: CompiledStep) -> Callable[[list[Any], set[int]], list[Any]]:
    """`step` over a column of values (it reads no scope); values that fail it fail."""
    impl, args, on_text, passthrough = step.impl, step.args, step.on_text, step.passthrough

    def one(value: Any) -> Any:
        if value is None and passthrough:
            return None
        return impl(value, *args)

    def whole(values: list[Any]) -> list[Any]:
        if on_text is not None:
            if set(map(type, values)) == {str}:  # a column of texts: one C-level pass
                if not args:
                    return list(map(on_text, values))
                return list(map(on_text, values, *map(itertools.repeat, args)))
            if not args:
                return [
                    on_text(v) if type(v) is str else None if v is None and passthrough else impl(v)
                    for v in values
                ]
            return [
                on_text(v, *args)
                if type(v) is str
                else None
                if v is None and passthrough
                else impl(v, *args)
                for v in values
            ]
        if not args:
            if passthrough:
                return [None if v is None else impl(v) for v in values]
            return [impl(v) for v in values]
        return [one(v) for v in values]

    def run(values: list[Any], failed: set[int]) -> list[Any]:
        try:  # the values of failed items are placeholders: whatever they become is unused
            return whole(values)
        except Exception:  # noqa: BLE001 - value by value below says which failed
            pass
        out: list[Any] = []
        for position, value in enumerate(values):
            if position in failed:
                out.append(None)
                continue
            try:
                out.append(one(value))
            except Exception:  # noqa: BLE001 - the careful path reports (or raises) it
                failed.add(position)
                out.append(None)
        return out

    return run


def _finisher(field: CompiledField) -> Callable[[list[Any], set[int]], None]:
    """Defaults for null, required values and the checks, over a column: as
    `CompiledField.transform` ends, with a failure failing the item."""
    default = field.mapping.default
    copy_default = isinstance(default, dict | list)
    required = field.required is not None
    checks = field.checks
    all_fit = field.all_fit

    def finish(values: list[Any], failed: set[int]) -> None:
        if (default is not None or required) and None in values:
            for position, value in enumerate(values):
                if value is not None or position in failed:
                    continue
                if default is not None:
                    values[position] = copy.deepcopy(default) if copy_default else default
                else:
                    failed.add(position)
        pending = [
            check
            for check, fast in itertools.zip_longest(checks, all_fit)
            if fast is None or not fast(values)
        ]
        if not pending:
            return
        for position, value in enumerate(values):
            if value is None or position in failed:
                continue
            if any(check(value) is not None for check in pending):
                failed.add(position)

    return finish


def _write(outs: list[dict[str, Any]], values: list[Any], below: tuple[Any, ...]) -> None:
    if len(below) == 1 and type(below[0]) is str:
        key = below[0]
        for out, value in zip(outs, values, strict=True):
            out[key] = value
        return
    for out, value in zip(outs, values, strict=True):
        put(out, below, value)


def put(container: dict[str, Any], segments: Sequence[Any], value: Any) -> None:
    """Write `value` below an item (or the record), creating objects and arrays on the way."""
    node: Any = container
    for segment, after in itertools.pairwise(segments):
        child = _child(node, segment)
        wanted = list if isinstance(after, int) else dict
        if not isinstance(child, wanted):
            child = wanted()
            _set(node, segment, child)
        node = child
    _set(node, segments[-1], value)


def _child(node: Any, segment: Any) -> Any:
    if isinstance(segment, str):
        return node.get(segment)
    return node[segment] if segment < len(node) else None


def _set(node: Any, segment: Any, value: Any) -> None:
    if isinstance(segment, str):
        node[segment] = value
        return
    while len(node) <= segment:
        node.append(None)
    node[segment] = value
