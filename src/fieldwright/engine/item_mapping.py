"""Map a record's arrays item by item, as `fieldwright.engine.item_plan` planned.

For each array bound to a ``[*]`` target, every item of the source array is
mapped in its own `ItemScope` (the item, its position, the enclosing item):
the fields under the target read their sources through the plan's readers and
run their chains with that scope in `StepContext.scope`, and the arrays
nested in the item are mapped inside it. A missing or null source array leaves
the target array out (or writes the binding field's `default`, such as []);
an empty one writes an empty array; a null item is
mapped like any other item (`@` is null, so is every `@.…` path below it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fieldwright.domain import MappingDocument
from fieldwright.engine.item_columns import node_column
from fieldwright.engine.item_columns import put as _put
from fieldwright.engine.item_plan import ItemField, ItemNode, ItemPlan, plan_items
from fieldwright.engine.item_sources import NotAnArray
from fieldwright.engine.results import FieldError
from fieldwright.engine.scope import ItemScope

if TYPE_CHECKING:
    from fieldwright.engine.compiler import CompiledField, FieldObserver

__all__ = ["ItemMapping"]

Record = Mapping[str, Any]
#: Maps one array for a chunk: (records, outputs, indexes of records to redo carefully, cache).
NodeColumn = Callable[[Sequence[Record], list[dict[str, Any]], set[int], Any], None]


def _at(target: str, indexes: Sequence[int]) -> str:
    """`target` with each ``[*]`` replaced by the item's position: `$.lines[2].taxes[0].rate`."""
    parts = target.split("[*]")
    text = parts[0]
    for number, part in enumerate(parts[1:]):
        text += (f"[{indexes[number]}]" if number < len(indexes) else "[*]") + part
    return text


class ItemMapping:
    """Runs the arrays of a plan for one record, or for a chunk as columns."""

    def __init__(self, plan: ItemPlan, fields: Mapping[int, CompiledField]) -> None:
        self.plan = plan
        self.fields = fields
        self._node_of = {
            id(fields[index]): node
            for node in plan.nodes
            for index in node.indexes
            if index in fields
        }

    @classmethod
    def of(cls, document: MappingDocument, fields: Sequence[CompiledField]) -> ItemMapping:
        """The arrays of `fields` (in the order they are written) mapped item by item. The
        checks refused what cannot be planned, so planning the fields that passed them
        finds no new problem."""
        number = {id(mapping): index for index, mapping in enumerate(document.fields)}
        by_index = {number[id(f.mapping)]: f for f in fields if id(f.mapping) in number}
        plan, _problems = plan_items(
            [(index, f.mapping, f.target) for index, f in by_index.items() if f.target.per_item]
        )
        return cls(plan, by_index)

    def node_of(self, field: CompiledField) -> ItemNode | None:
        """The outermost array `field` is mapped in (None when it is not planned)."""
        return self._node_of.get(id(field))

    def map_node(
        self,
        node: ItemNode,
        record: Record,
        output: dict[str, Any],
        errors: list[FieldError],
        observer: FieldObserver | None = None,
    ) -> None:
        """Map the array `node` of `record` into `output`, adding each field's error."""
        self._fill(node, record, None, output, (), errors, observer)

    def column(self, node: ItemNode) -> NodeColumn:
        """The batch path of one array: all its items at once where `item_columns` can
        (else per record), marking records with an error (the careful path maps them
        again and reports each error and its on_error)."""
        fast = node_column(node, self.fields)
        if fast is not None:
            return fast

        def run(
            records: Sequence[Record], outputs: list[dict[str, Any]], bad: set[int], cache: Any
        ) -> None:
            for index, record in enumerate(records):
                errors: list[FieldError] = []
                self._fill(node, record, None, outputs[index], (), errors, None)
                if errors:
                    bad.add(index)

        return run

    def _fill(
        self,
        node: ItemNode,
        record: Record,
        parent: ItemScope | None,
        container: dict[str, Any],
        indexes: tuple[int, ...],
        errors: list[FieldError],
        observer: FieldObserver | None,
    ) -> None:
        assert node.items is not None
        try:
            items = node.items(record, parent)
        except NotAnArray as exc:
            errors.append(FieldError(_at(_key(node), indexes), str(exc), handled_by="fail"))
            return
        if observer is not None and node.binder in self.fields:
            # The binding field's trace: the source items it binds (the preview's cell).
            binder = self.fields[node.binder]  # type: ignore[index]
            bound = node.default if items is None else items
            observer(binder, _at(_key(node), indexes), items, [], bound, None)
        if items is None:
            if node.default is not None:
                _put(container, node.at, copy.deepcopy(node.default))
            return
        members = node.members
        itself = next((m for m in members if isinstance(m, ItemField) and not m.below), None)
        written: list[Any] = []
        for position, item in enumerate(items):
            scope = ItemScope(item, position, parent)
            at = (*indexes, position)
            if itself is not None:
                value, error = self._settle(itself, record, scope, at, observer)
                if error is not None:
                    errors.append(error)
                written.append(value)
                continue
            out: dict[str, Any] = {}
            for member in members:
                if isinstance(member, ItemNode):
                    self._fill(member, record, scope, out, at, errors, observer)
                    continue
                value, error = self._settle(member, record, scope, at, observer)
                if error is None or error.handled_by in ("default", "null"):
                    below = member.below
                    if len(below) == 1 and type(below[0]) is str:
                        out[below[0]] = value
                    else:
                        _put(out, below, value)
                if error is not None:
                    errors.append(error)
            written.append(out)
        _put(container, node.at, written)

    def _settle(
        self,
        member: ItemField,
        record: Record,
        scope: ItemScope,
        indexes: tuple[int, ...],
        observer: FieldObserver | None,
    ) -> tuple[Any, FieldError | None]:
        field = self.fields[member.index]
        readers = member.readers
        try:
            if not readers and field.expression is not None:  # `@` is the item
                value = field.expression.evaluate(record, scope)
            elif not readers:
                constant = field.mapping.constant
                value = copy.deepcopy(constant) if isinstance(constant, dict | list) else constant
            elif len(readers) == 1:
                value = readers[0](record, scope)
            else:
                value = [read(record, scope) for read in readers]
        except field.read_errors as exc:
            target = _at(field.target.text, indexes)
            error, fallback = field.unreadable(exc, target)
            if observer is not None:
                observer(field, target, None, [], fallback, error)
            return fallback, error
        return field.settle(
            value,
            record,
            None,
            observer,
            scope=scope,
            target=lambda: _at(field.target.text, indexes),
        )


def _key(node: ItemNode) -> str:
    text = "$"
    for segment in node.key:
        text += (
            "[*]"
            if segment == "*"
            else f"[{segment}]"
            if isinstance(segment, int)
            else (f".{segment}")
        )
    return text
