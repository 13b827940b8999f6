"""Compile the item-by-item bindings of a mapping's ``[*]`` targets.

A target under ``[*]`` (`$.lines[*].qty`) is written once per item of a source
array. Which array is the *binding* of `$.lines[*]`: the field mapping whose
target is `$.lines[*]` itself names it (`sources: ["$.items[*]"]`) when other
fields map below it; otherwise the ``[*]`` sources of the fields below say it
(`$.items[*].qty` binds `$.lines[*]` to `$.items[*]`, as documents always did).
Inside an item, `@` is the current item, `@@` the enclosing one, `@index` and
`@number` its position, and `$` paths outside every bound array are the
record's values, the same in every item. See docs/arrays-item-by-item.md.

The plan says, for each array, where its items come from and how each field
reads its sources; `fieldwright.engine.item_mapping` runs it per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldwright.domain import FieldMapping, Problem, pointer
from fieldwright.engine.item_sources import (
    Read,
    Reader,
    Relative,
    array_reader,
    is_relative,
    parse_relative,
    shown,
    source_text,
    value_reader,
)
from fieldwright.engine.paths import (
    WILDCARD,
    PathError,
    Segment,
    SourceSegment,
    TargetPath,
    describe_source,
    parse_source,
)

__all__ = ["ItemField", "ItemNode", "ItemPlan", "plan_items"]


@dataclass(frozen=True, slots=True)
class ItemField:
    """A field mapped in every item: the document's field number, where it writes
    below the item (() writes the item itself) and how each source reads."""

    index: int
    below: tuple[Segment, ...]
    readers: tuple[Reader, ...]
    #: What each reader reads, for the batch path (`item_columns`): the levels above
    #: the current item (None for the record), the path below it, or the position.
    reads: tuple[Read, ...] = ()


@dataclass(eq=False)
class ItemNode:
    """One array mapped item by item (`$.lines[*]`, then `$.lines[*].taxes[*]`)."""

    #: The target's segments up to and including this ``[*]``.
    key: tuple[Segment, ...]
    #: The segments from the enclosing item (or the record) to the array.
    at: tuple[Segment, ...]
    #: The source array as written or inferred, for messages.
    binding: str = ""
    #: The list of items for (record, scope of the enclosing item); None when absent.
    items: Reader | None = None
    #: The binding as canonical segments from the record, to recognise `$` sources inside it.
    absolute: tuple[str, ...] | None = None
    #: The fields and the nested arrays, in the order they are written.
    members: list[ItemField | ItemNode] = field(default_factory=list)
    #: The field numbers in this array's subtree (the binding's among them).
    indexes: set[int] = field(default_factory=set)
    #: What the target array is when the source array is missing or null (the binding
    #: field's `default`, e.g. []); None leaves the target array out.
    default: Any = None
    #: The field mapping the target array itself (`$.lines[*]`) that binds it, if one does.
    binder: int | None = None


@dataclass
class ItemPlan:
    """The arrays of a mapping that are mapped item by item (outermost ones)."""

    nodes: list[ItemNode] = field(default_factory=list)

    def node_of(self, index: int) -> ItemNode | None:
        """The outermost array that field number `index` belongs to."""
        return next((node for node in self.nodes if index in node.indexes), None)

    @property
    def indexes(self) -> set[int]:
        return {index for node in self.nodes for index in node.indexes}


@dataclass
class _Builder:
    fields: dict[int, tuple[FieldMapping, TargetPath]]
    problems: list[Problem] = field(default_factory=list)
    bad: set[int] = field(default_factory=set)

    def problem(self, index: int, where: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(pointer("fields", index, *where), message))
        self.bad.add(index)

    def resolve(
        self, text: str, chain: Sequence[ItemNode]
    ) -> tuple[int | None, tuple[SourceSegment, ...] | None, Relative | None]:
        """Where a source reads (levels above the innermost item of `chain`, None for the
        record) and its segments below that; the Relative for an `@` source."""
        if is_relative(text):
            relative = parse_relative(text)
            return relative.up, None, relative
        segments = describe_source(text)
        for depth in range(len(chain) - 1, -1, -1):
            absolute = chain[depth].absolute
            if absolute is not None and tuple(s.text for s in segments[: len(absolute)]) == (
                absolute
            ):
                return len(chain) - 1 - depth, segments[len(absolute) :], None
        return None, segments, None


def _first_many(segments: tuple[SourceSegment, ...]) -> int | None:
    return next((i for i, s in enumerate(segments) if not s.singular), None)


def plan_items(
    fields: Sequence[tuple[int, FieldMapping, TargetPath]],
) -> tuple[ItemPlan, list[Problem]]:
    """The item-by-item plan of the fields whose target lies under ``[*]``, and the
    problems that keep a field out of it (with the field's JSON pointer)."""
    builder = _Builder({index: (mapping, target) for index, mapping, target in fields})
    plan = ItemPlan()
    by_key: dict[tuple[Segment, ...], ItemNode] = {}
    binders: dict[tuple[Segment, ...], int] = {}
    placed: list[tuple[int, ItemNode, tuple[Segment, ...]]] = []
    for index, _mapping, target in fields:
        stars = [i for i, segment in enumerate(target.segments) if segment == WILDCARD]
        if not stars:
            continue
        parent: ItemNode | None = None
        for number, star in enumerate(stars):
            key = target.segments[: star + 1]
            node = by_key.get(key)
            if node is None:
                start = 0 if number == 0 else stars[number - 1] + 1
                node = by_key[key] = ItemNode(key, target.segments[start:star])
                (plan.nodes if parent is None else parent.members).append(node)
            node.indexes.add(index)
            parent = node
        assert parent is not None
        placed.append((index, parent, target.segments[stars[-1] + 1 :]))
    for index, node, below in placed:
        if not below and len(node.indexes) > 1:  # `$.lines[*]` itself, with fields below
            binders[node.key] = index
    for node in plan.nodes:
        _bind(builder, node, [], binders)
    for index, node, below in placed:
        if binders.get(node.key) == index or index in builder.bad:
            continue
        chain = _chain(plan, node)
        if chain is None:
            builder.bad.add(index)
            continue
        member = _item_field(builder, index, below, chain)
        if member is not None:
            node.members.append(member)
    _order(plan.nodes, [index for index, _mapping, _target in fields])
    _drop(plan.nodes, builder.bad)
    return plan, builder.problems


def _chain(plan: ItemPlan, node: ItemNode) -> list[ItemNode] | None:
    """The arrays from the outermost to `node`, if all of them are bound."""
    chain: list[ItemNode] = []
    nodes = plan.nodes
    while True:
        found = next(n for n in nodes if n.key == node.key[: len(n.key)])
        if found.items is None:
            return None
        chain.append(found)
        if found is node:
            return chain
        nodes = [m for m in found.members if isinstance(m, ItemNode)]


def _bind(
    builder: _Builder, node: ItemNode, chain: list[ItemNode], binders: dict[Any, int]
) -> None:
    """Find the array `node` maps item by item, then bind the arrays inside it."""
    binder = binders.get(node.key)
    target = _key_text(node.key)
    if binder is not None:
        found = _explicit(builder, binder, chain)
        node.default = builder.fields[binder][0].default
        node.binder = binder
    else:
        found = _inferred(builder, node, chain, target)
    if found is None:
        builder.bad.update(node.indexes)
        return
    up, segments, absolute = found
    node.items = array_reader(up, segments)
    node.absolute = absolute
    node.binding = shown(up, segments)
    inner = [*chain, node]
    for member in list(node.members):
        if isinstance(member, ItemNode):
            _bind(builder, member, inner, binders)


def _key_text(key: tuple[Segment, ...]) -> str:
    parts = ["$"]
    for segment in key:
        if segment == WILDCARD:
            parts.append("[*]")
        elif isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif segment.isidentifier():
            parts.append(f".{segment}")
        else:
            parts.append(f"[{segment!r}]")
    return "".join(parts)


def _absolute(
    chain: Sequence[ItemNode], up: int | None, segments: tuple[SourceSegment, ...]
) -> tuple[str, ...] | None:
    texts = tuple(s.text for s in segments)
    if up is None:
        return texts
    base = chain[len(chain) - 1 - up].absolute
    return None if base is None else (*base, *texts)


def _explicit(
    builder: _Builder, index: int, chain: list[ItemNode]
) -> tuple[int | None, tuple[SourceSegment, ...], tuple[str, ...] | None] | None:
    mapping, target = builder.fields[index]
    if len(mapping.sources) != 1 or mapping.transforms:
        builder.problem(
            index,
            ("sources",),
            f"{target.text} has fields below it, so this field only names the source array "
            'its items come from: give it one source such as "$.items[*]" and no steps '
            "(they belong to the fields below)",
        )
        return None
    text = mapping.sources[0]
    found = _resolved(builder, index, 0, text, chain)
    if found is None:
        return None
    up, segments, relative = found
    if relative is not None and relative.special is not None:
        builder.problem(index, ("sources", 0), f"{text} is a number, not an array of items")
        return None
    if all(s.singular for s in segments):  # the array itself: `$.items`
        segments = (*segments, SourceSegment("[*]", False))
    return up, segments, _absolute(chain, up, segments)


def _resolved(
    builder: _Builder, index: int, number: int, text: str, chain: Sequence[ItemNode]
) -> tuple[int | None, tuple[SourceSegment, ...], Relative | None] | None:
    try:
        up, segments, relative = builder.resolve(text, chain)
    except PathError as exc:
        builder.problem(index, ("sources", number), str(exc))
        return None
    if relative is not None:
        if up is not None and up >= len(chain):
            builder.problem(index, ("sources", number), _no_item(text, len(chain)))
            return None
        if relative.path is None:
            return up, (), relative
        return up, describe_source(relative.path.text), relative
    assert segments is not None
    return up, segments, None


def _no_item(text: str, depth: int) -> str:
    if depth == 0:
        return f"{text} reads the current item, but the target does not lie under [*]"
    return f"{text} reads the enclosing item, but the target lies under only one [*]"


def _inferred(
    builder: _Builder, node: ItemNode, chain: list[ItemNode], target: str
) -> tuple[int | None, tuple[SourceSegment, ...], tuple[str, ...] | None] | None:
    """The array the ``[*]`` sources of the fields in `node` agree on."""
    chosen: tuple[int | None, tuple[SourceSegment, ...]] | None = None
    chosen_by = ""
    for index in sorted(node.indexes):
        mapping, _target = builder.fields[index]
        for number, text in enumerate(mapping.sources):
            if is_relative(text):
                continue
            found = _resolved(builder, index, number, text, chain)
            if found is None:
                continue
            up, segments, _relative = found
            many = _first_many(segments)
            if many is None:
                continue
            candidate = (up, segments[: many + 1])
            if chosen is None:
                chosen, chosen_by = candidate, text
            elif candidate != chosen:
                builder.problem(
                    index,
                    ("sources", number),
                    f"{text} cannot be paired item by item with {chosen_by}: they walk "
                    f"different arrays into {target}; bind {target} to one array (a field "
                    f"mapping {target} itself) and read the other as a value",
                )
    if chosen is None:
        first = min(node.indexes)
        builder.problem(
            first,
            ("sources",),
            f"nothing says which items {target} has: map {target} itself from the source "
            'array (sources: ["$.items[*]"]), or read a source with [*] such as $.items[*].qty',
        )
        return None
    up, segments = chosen
    return up, segments, _absolute(chain, up, segments)


def _item_field(
    builder: _Builder, index: int, below: tuple[Segment, ...], chain: list[ItemNode]
) -> ItemField | None:
    mapping, _target = builder.fields[index]
    readers: list[Reader] = []
    reads: list[Read] = []
    for number, text in enumerate(mapping.sources):
        found = _resolved(builder, index, number, text, chain)
        if found is None:
            return None
        up, segments, relative = found
        if relative is not None:
            readers.append(value_reader(up, relative.path, relative.special))
            reads.append(Read(up, relative.path, relative.special))
            continue
        if up != 0 and _first_many(segments) is not None:
            builder.problem(
                index,
                ("sources", number),
                f"{text} walks an array that is not the items of {chain[-1].binding}, so "
                "its values cannot be paired with them; read it relative to the item (@.…) "
                "or bind the array to it",
            )
            return None
        path = parse_source(source_text(segments)) if segments else None
        readers.append(value_reader(up, path, None))
        reads.append(Read(up, path, None))
    return ItemField(index, below, tuple(readers), tuple(reads))


def _order(nodes: list[ItemNode], order: list[int]) -> None:
    """Members in the order their fields come (the target schema's order)."""
    position = {index: rank for rank, index in enumerate(order)}

    def rank(member: ItemField | ItemNode) -> int:
        if isinstance(member, ItemField):
            return position[member.index]
        return min(position[i] for i in member.indexes)

    for node in nodes:
        node.members.sort(key=rank)
        _order([m for m in node.members if isinstance(m, ItemNode)], order)


def _drop(nodes: list[ItemNode], bad: set[int]) -> None:
    """Leave out the arrays that could not be bound and the fields with problems."""
    for node in list(nodes):
        if node.items is None:
            nodes.remove(node)
            continue
        node.indexes -= bad
        node.members = [
            m for m in node.members if not (isinstance(m, ItemField) and m.index in bad)
        ]
        inner = [m for m in node.members if isinstance(m, ItemNode)]
        _drop(inner, bad)
        node.members = [m for m in node.members if isinstance(m, ItemField) or m in inner]
