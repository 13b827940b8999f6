"""Schema edits as pure do/undo logic: add, rename, delete, move and change fields. Qt-free.

A field is named by its JSONPath on one side (`$.contact.email`,
`$.lines[*].hours`). Every edit works on a copy of that side's field list and
swaps it in whole, so reverting puts the very same objects back and the
document's dump is byte-identical. Edits that change what a field mapping
points at take the mappings along in the same step: a rename (or an object
becoming an array) rewrites their source or target paths, a delete removes the
mappings that read or write the field. Applying returns `SchemaChanged` and
one event per field mapping changed; reverting returns the inverse events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fieldwright.authoring.events import (
    DocumentEvent,
    Events,
    FieldMappingAdded,
    FieldMappingRemoved,
    FieldMappingReplaced,
    SchemaChanged,
    Side,
    TestReplaced,
)
from fieldwright.authoring.schema_renames import Chain, field_chain, renamed_tests
from fieldwright.domain import (
    FieldMapping,
    FieldType,
    MappingDocument,
    SchemaField,
    TestCase,
    member_path,
)

__all__ = [
    "AddSchemaField",
    "DeleteSchemaField",
    "MoveSchemaField",
    "RenameSchemaField",
    "SetFieldProperties",
    "UpdateFromSample",
    "is_under",
    "mappings_of",
    "merge_sample",
]

#: The properties of a schema field `SetFieldProperties` may change.
FIELD_PROPERTIES = frozenset({"type", "items", "required", "description", "example"})
_STRUCTURED = {FieldType.OBJECT, FieldType.ARRAY}


def is_under(path: str, ancestor: str) -> bool:
    """Whether `path` is `ancestor` or a path below it (`$.a.b`, `$.a[*].b` under `$.a`)."""
    return path == ancestor or (path.startswith(ancestor) and path[len(ancestor)] in ".[")


def _rebase(path: str, old: str, new: str) -> str:
    return new + path[len(old) :] if is_under(path, old) else path


def _base(path: str, found: SchemaField) -> str:
    """The path the children of `found` (at `path`) hang from."""
    return f"{path}[*]" if found.type is FieldType.ARRAY else path


def _siblings(fields: list[SchemaField], path: str) -> tuple[list[SchemaField], int, str]:
    """The list holding the field at `path`, its index there, and the parent's child base."""
    base = "$"
    level = fields
    while True:
        for index, candidate in enumerate(level):
            candidate_path = member_path(base, candidate.name)
            if candidate_path == path:
                return level, index, base
            if is_under(path, candidate_path):
                base, level = _base(candidate_path, candidate), candidate.fields
                break
        else:
            raise KeyError(f"no field at {path}")


def _children_of(fields: list[SchemaField], parent: str) -> tuple[list[SchemaField], str]:
    """The child list of the field at `parent` ("$": the schema's top level) and its base."""
    if parent == "$":
        return fields, "$"
    level, index, base = _siblings(fields, parent)
    found = level[index]
    if found.type not in _STRUCTURED:
        raise ValueError(
            f"{found.name} is a {found.type.value}: only objects and arrays hold fields"
        )
    return found.fields, _base(member_path(base, found.name), found)


def _check_name(siblings: list[SchemaField], name: str, ignore: SchemaField | None = None) -> None:
    if not name:
        raise ValueError("a field needs a name")
    if any(s.name == name and s is not ignore for s in siblings):
        raise ValueError(f"there is already a field named {name} here")


def mappings_of(document: MappingDocument, side: Side, path: str) -> list[str]:
    """The targets of the field mappings that write (target side) or read (source side)
    the field at `path` or a field below it: what deleting it takes along."""
    if side == "target":
        return [m.target for m in document.fields if is_under(m.target, path)]
    return [m.target for m in document.fields if any(is_under(s, path) for s in m.sources)]


def _inverse(events: Events) -> list[DocumentEvent]:
    inverse: list[DocumentEvent] = []
    for event in reversed(events):
        if isinstance(event, FieldMappingReplaced):
            inverse.append(FieldMappingReplaced(event.index, event.previous, event.target))
        elif isinstance(event, FieldMappingRemoved):
            inverse.append(FieldMappingAdded(event.index, event.target))
        elif isinstance(event, FieldMappingAdded):
            inverse.append(FieldMappingRemoved(event.index, event.target))
        else:
            inverse.append(event)
    return inverse


@dataclass
class _SchemaEdit:
    """Swaps in a changed copy of one side's fields, and of the field mappings it touches."""

    side: Side
    _fields: list[SchemaField] | None = field(default=None, init=False, repr=False)
    _mappings: list[FieldMapping] | None = field(default=None, init=False, repr=False)
    _tests: list[TestCase] | None = field(default=None, init=False, repr=False)
    _events: list[DocumentEvent] = field(default_factory=list, init=False, repr=False)

    @property
    def applied(self) -> bool:
        """Whether the edit is applied now (not yet, or undone: False)."""
        return self._fields is not None

    def _change(self, fields: list[SchemaField]) -> Callable[[str], str] | None:
        """Change `fields` (a copy) in place; return how paths below change, if they do."""
        raise NotImplementedError

    def _removed(self, document: MappingDocument) -> set[str]:
        """Targets of the field mappings this edit takes away."""
        return set()

    def _retested(self, document: MappingDocument) -> tuple[list[TestCase], list[int]] | None:
        """The document's tests as this edit changes them (a rename), and which changed."""
        return None

    def apply(self, document: MappingDocument) -> Events:
        endpoint = getattr(document, self.side)
        fields = [f.model_copy(deep=True) for f in endpoint.fields]
        rewrite = self._change(fields)  # raises before the document changes
        removed = self._removed(document)
        mappings, events = self._rewritten(document, rewrite, removed)
        retested = self._retested(document)
        self._fields = endpoint.fields
        endpoint.fields = fields
        if mappings is not None:
            self._mappings = document.fields
            document.fields = mappings
        if retested is not None:
            self._tests, document.tests = document.tests, retested[0]
            events += [TestReplaced(i, document.tests[i].name) for i in retested[1]]
        self._events = [SchemaChanged(self.side), *events]
        return list(self._events)

    def revert(self, document: MappingDocument) -> Events:
        assert self._fields is not None, "revert before apply"
        getattr(document, self.side).fields = self._fields
        if self._mappings is not None:
            document.fields = self._mappings
        if self._tests is not None:
            document.tests = self._tests
        events = _inverse(self._events)
        self._fields = self._mappings = self._tests = None
        return events

    def _rewritten(
        self, document: MappingDocument, rewrite: Callable[[str], str] | None, removed: set[str]
    ) -> tuple[list[FieldMapping] | None, list[DocumentEvent]]:
        if rewrite is None and not removed:
            return None, []
        mappings: list[FieldMapping] = []
        events: list[DocumentEvent] = []
        removals: list[DocumentEvent] = []
        for index, mapping in enumerate(document.fields):
            if mapping.target in removed:
                removals.insert(0, FieldMappingRemoved(index, mapping.target))
                continue
            after = mapping if rewrite is None else self._rewrite(mapping, rewrite)
            if after is not mapping:
                events.append(FieldMappingReplaced(len(mappings), after.target, mapping.target))
            mappings.append(after)
        if not events and not removals:
            return None, []
        # Removals from the last, so each index is where the mapping was when it went.
        return mappings, [*removals, *events]

    def _rewrite(self, mapping: FieldMapping, rewrite: Callable[[str], str]) -> FieldMapping:
        if self.side == "target":
            target = rewrite(mapping.target)
            if target == mapping.target:
                return mapping
            return mapping.model_copy(update={"target": target}, deep=True)
        sources = [rewrite(s) for s in mapping.sources]
        if sources == mapping.sources:
            return mapping
        return mapping.model_copy(update={"sources": sources}, deep=True)


@dataclass
class AddSchemaField(_SchemaEdit):
    """Add `new` as a child of the object or array at `parent` ("$": a top-level field)."""

    parent: str = "$"
    new: SchemaField = field(default_factory=lambda: SchemaField(name="field"))
    #: Where among its siblings (None: last).
    index: int | None = None

    @property
    def text(self) -> str:
        return f"Add {self.side} field {self.new.name}"

    #: The added field's path, once applied.
    path: str = field(default="", init=False)

    def _change(self, fields: list[SchemaField]) -> None:
        children, base = _children_of(fields, self.parent)
        self.path = member_path(base, self.new.name)
        _check_name(children, self.new.name)
        at = len(children) if self.index is None else self.index
        children.insert(at, self.new.model_copy(deep=True))


@dataclass
class RenameSchemaField(_SchemaEdit):
    """Rename the field at `path`; the field mappings pointing at it or below follow."""

    path: str = ""
    name: str = ""

    @property
    def text(self) -> str:
        return f"Rename {self.path} to {self.name}"

    #: The renamed field's path, once applied.
    new_path: str = field(default="", init=False)
    _chain: Chain | None = field(default=None, init=False, repr=False)

    def _change(self, fields: list[SchemaField]) -> Callable[[str], str]:
        siblings, index, base = _siblings(fields, self.path)
        found = siblings[index]
        _check_name(siblings, self.name, ignore=found)
        self._chain = field_chain(fields, self.path)
        found.name = self.name
        old = self.path
        new = self.new_path = member_path(base, self.name)
        return lambda p: _rebase(p, old, new)

    def _retested(self, document: MappingDocument) -> tuple[list[TestCase], list[int]] | None:
        if self._chain is None:
            return None
        return renamed_tests(document.tests, self.side, self._chain, self.name)


@dataclass
class DeleteSchemaField(_SchemaEdit):
    """Delete the field at `path` and the field mappings that read or write it or below."""

    path: str = ""

    @property
    def text(self) -> str:
        return f"Delete {self.side} field {self.path}"

    def _change(self, fields: list[SchemaField]) -> None:
        siblings, index, _base_path = _siblings(fields, self.path)
        del siblings[index]

    def _removed(self, document: MappingDocument) -> set[str]:
        return set(mappings_of(document, self.side, self.path))


@dataclass
class MoveSchemaField(_SchemaEdit):
    """Move the field at `path` to position `index` among its siblings."""

    path: str = ""
    index: int = 0

    @property
    def text(self) -> str:
        return f"Move {self.path}"

    def _change(self, fields: list[SchemaField]) -> None:
        siblings, index, _base_path = _siblings(fields, self.path)
        if not 0 <= self.index < len(siblings):
            raise ValueError(f"no position {self.index} among {len(siblings)} fields")
        siblings.insert(self.index, siblings.pop(index))


@dataclass
class SetFieldProperties(_SchemaEdit):
    """Change the type, items, required, description or example of the field at `path`.

    An object that becomes an array (or back) takes the paths below it along
    (`$.a.b` ⇄ `$.a[*].b`); a field with fields below it cannot become a leaf.
    """

    path: str = ""
    changes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = self.changes.keys() - FIELD_PROPERTIES
        if unknown:
            raise KeyError(f"not a field property: {', '.join(sorted(unknown))}")

    @property
    def text(self) -> str:
        return f"Change {', '.join(sorted(self.changes))} of {self.path}"

    def _change(self, fields: list[SchemaField]) -> Callable[[str], str] | None:
        siblings, index, _base_path = _siblings(fields, self.path)
        found = siblings[index]
        data = {**found.model_dump(), **self.changes}
        changed = SchemaField.model_validate(data)
        if changed.fields and changed.type not in _STRUCTURED:
            raise ValueError(
                f"{found.name} holds fields: delete them before making it a {changed.type.value}"
            )
        if changed.type is not FieldType.ARRAY:
            changed.items = None
        elif changed.fields and changed.items is None:
            changed.items = FieldType.OBJECT
        siblings[index] = changed
        old, new = _base(self.path, found), _base(self.path, changed)
        if old == new:
            return None
        return lambda p: _rebase(p, old, new)


def merge_sample(
    fields: list[SchemaField], sample: list[SchemaField], base: str = "$"
) -> tuple[list[SchemaField], list[str], list[str]]:
    """`fields` with the fields of `sample` they lack added (at the end of their parent).

    Returns the merged copy, the paths added and the paths of fields the sample
    no longer has (kept, for the analyst to delete). Existing fields keep their
    type and settings; objects and arrays present on both sides are merged
    field by field.
    """
    merged: list[SchemaField] = []
    added: list[str] = []
    vanished: list[str] = []
    by_name = {f.name: f for f in sample}
    for current in fields:
        path = member_path(base, current.name)
        found = by_name.pop(current.name, None)
        copy = current.model_copy(deep=True)
        if found is None:
            vanished.append(path)
        elif current.type in _STRUCTURED and found.fields:
            copy.fields, more, gone = merge_sample(current.fields, found.fields, _base(path, copy))
            added += more
            vanished += gone
        merged.append(copy)
    for new in by_name.values():
        merged.append(new.model_copy(deep=True))
        added.append(member_path(base, new.name))
    return merged, added, vanished


@dataclass
class UpdateFromSample(_SchemaEdit):
    """Add the fields of a sample's schema this side lacks; find the ones it no longer has.

    Vanished fields stay (the analyst deletes them); `vanished` lists their
    paths once applied, `added` the new ones.
    """

    sample: list[SchemaField] = field(default_factory=list)
    added: list[str] = field(default_factory=list, init=False)
    vanished: list[str] = field(default_factory=list, init=False)

    @property
    def text(self) -> str:
        return f"Update {self.side} schema from sample"

    def _change(self, fields: list[SchemaField]) -> None:
        merged, self.added, self.vanished = merge_sample(fields, self.sample)
        fields[:] = merged
