"""Designer edits as pure do/undo logic on a mapping document. Qt-free.

Every edit stores what it needs to undo itself exactly: applying then
reverting leaves the document's canonical dump byte-identical. Applying
returns the change events of what it changed (`events.py`); reverting returns
the inverse events. The session (`session.py`) delivers them to listeners and
the Qt undo stack wraps the edits; tests drive them without Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fieldwright.authoring.events import (
    Events,
    FieldMappingAdded,
    FieldMappingRemoved,
    FieldMappingReplaced,
    PropertiesChanged,
    SchemaChanged,
    Side,
)
from fieldwright.authoring.item_paths import item_source
from fieldwright.domain import FieldMapping, FieldType, MappingDocument, SchemaField, member_path

__all__ = [
    "AddFieldMapping",
    "Batch",
    "Edit",
    "RemoveFieldMapping",
    "ReplaceFieldMapping",
    "SetProperties",
    "SetSchema",
    "Side",
    "edit_mapping",
    "map_fields",
    "remove_mappings",
]


class Edit(Protocol):
    """One undoable change of a document: returns the events of what it changed."""

    @property
    def text(self) -> str: ...

    def apply(self, document: MappingDocument) -> Events: ...

    def revert(self, document: MappingDocument) -> Events: ...


def _copy(mapping: FieldMapping) -> FieldMapping:
    return mapping.model_copy(deep=True)


def _index(document: MappingDocument, target: str) -> int:
    for index, mapping in enumerate(document.fields):
        if mapping.target == target:
            return index
    raise KeyError(f"no field mapping writes {target}")


@dataclass
class AddFieldMapping:
    """Append (or insert) a new field mapping."""

    mapping: FieldMapping
    index: int | None = None

    @property
    def text(self) -> str:
        sources = ", ".join(self.mapping.sources) or "constant"
        return f"Map {sources} → {self.mapping.target}"

    def apply(self, document: MappingDocument) -> Events:
        at = len(document.fields) if self.index is None else self.index
        document.fields.insert(at, _copy(self.mapping))
        self.index = at
        return [FieldMappingAdded(at, self.mapping.target)]

    def revert(self, document: MappingDocument) -> Events:
        assert self.index is not None, "revert before apply"
        del document.fields[self.index]
        return [FieldMappingRemoved(self.index, self.mapping.target)]


@dataclass
class RemoveFieldMapping:
    """Delete the field mapping writing `target`."""

    target: str
    _removed: FieldMapping | None = None
    _index: int = 0

    @property
    def text(self) -> str:
        return f"Remove mapping of {self.target}"

    def apply(self, document: MappingDocument) -> Events:
        self._index = _index(document, self.target)
        self._removed = document.fields.pop(self._index)
        return [FieldMappingRemoved(self._index, self.target)]

    def revert(self, document: MappingDocument) -> Events:
        assert self._removed is not None, "revert before apply"
        document.fields.insert(self._index, self._removed)
        return [FieldMappingAdded(self._index, self.target)]


@dataclass
class ReplaceFieldMapping:
    """Replace the field mapping writing `target` with `after` (which may retarget it)."""

    target: str
    after: FieldMapping
    label: str = ""
    _before: FieldMapping | None = None

    @property
    def text(self) -> str:
        return self.label or f"Edit mapping of {self.target}"

    def apply(self, document: MappingDocument) -> Events:
        index = _index(document, self.target)
        self._before = document.fields[index]
        document.fields[index] = _copy(self.after)
        return [FieldMappingReplaced(index, self.after.target, self.target)]

    def revert(self, document: MappingDocument) -> Events:
        assert self._before is not None, "revert before apply"
        index = _index(document, self.after.target)
        document.fields[index] = self._before
        return [FieldMappingReplaced(index, self.target, self.after.target)]


@dataclass
class SetSchema:
    """Replace the fields of the source or target schema."""

    side: Side
    fields: list[SchemaField]
    _before: list[SchemaField] = field(default_factory=list)

    @property
    def text(self) -> str:
        return f"Load {self.side} schema"

    def apply(self, document: MappingDocument) -> Events:
        endpoint = getattr(document, self.side)
        self._before = list(endpoint.fields)
        endpoint.fields = [f.model_copy(deep=True) for f in self.fields]
        return [SchemaChanged(self.side)]

    def revert(self, document: MappingDocument) -> Events:
        getattr(document, self.side).fields = self._before
        return [SchemaChanged(self.side)]


#: The document-level settings `SetProperties` may change.
PROPERTIES = frozenset(
    {
        "name",
        "key",
        "description",
        "client",
        "source_system",
        "target_system",
        "version",
        "lookups",
        "filter",
        "library",
        "run",
    }
)


@dataclass
class SetProperties:
    """Change document-level settings (name, key, description, client and system codes,
    lookups, filter, library, run).

    The values are validated as the document's own fields are; a value the
    document refuses raises `ValidationError` and changes nothing.
    """

    changes: dict[str, Any]
    label: str = ""
    _before: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = self.changes.keys() - PROPERTIES
        if unknown:
            raise KeyError(f"not a document property: {', '.join(sorted(unknown))}")

    @property
    def text(self) -> str:
        return self.label or f"Change {', '.join(sorted(self.changes))}"

    def apply(self, document: MappingDocument) -> Events:
        checked = MappingDocument.model_validate(
            {**document.model_dump(exclude={"fields", "tests"}), **self.changes}
        )
        self._before = {name: getattr(document, name) for name in self.changes}
        for name in self.changes:
            setattr(document, name, getattr(checked, name))
        return [PropertiesChanged(tuple(sorted(self.changes)))]

    def revert(self, document: MappingDocument) -> Events:
        for name, value in self._before.items():
            setattr(document, name, value)
        return [PropertiesChanged(tuple(sorted(self._before)))]


@dataclass
class Batch:
    """Several edits as one: applied in order, reverted in reverse."""

    label: str
    edits: list[Edit]

    @property
    def text(self) -> str:
        return self.label

    def apply(self, document: MappingDocument) -> Events:
        return [event for edit in self.edits for event in edit.apply(document)]

    def revert(self, document: MappingDocument) -> Events:
        return [event for edit in reversed(self.edits) for event in edit.revert(document)]


# -- edits from gestures ----------------------------------------------------------------

_STRUCTURED = {FieldType.OBJECT, FieldType.ARRAY}


def _children(document: MappingDocument, side: Side, path: str) -> dict[str, str]:
    """Direct children of the field at `path`, by lower-case name: their paths."""
    schema = getattr(document, side)
    for field_path, found in schema.walk():
        if field_path == path:
            parent = f"{path}[*]" if found.type is FieldType.ARRAY else path
            return {child.name.lower(): member_path(parent, child.name) for child in found.fields}
    return {}


def _kind(document: MappingDocument, side: Side, path: str) -> FieldType | None:
    found = getattr(document, side).paths().get(path)
    return found.type if found is not None else None


def _map_one(document: MappingDocument, source: str, target: str) -> Edit | None:
    """Map the schema field `source` onto `target`; under ``[*]`` in the item's own
    terms (`@.qty`), binding the target array first when nothing binds it."""
    source, bindings = item_source(document, source, target)
    edit = _map_source(document, source, target)
    if not bindings or edit is None:
        return edit
    added: list[Edit] = [AddFieldMapping(binding) for binding in bindings]
    return Batch(f"Map {source} → {target}", [*added, edit])


def _map_source(document: MappingDocument, source: str, target: str) -> Edit | None:
    existing = document.field(target)
    if existing is None:
        return AddFieldMapping(FieldMapping(target=target, sources=[source]))
    if source in existing.sources:
        return None
    data = existing.model_dump()
    data["sources"] = [*existing.sources, source]
    data["constant"] = None
    label = f"Add source {source} to {target}"
    return ReplaceFieldMapping(target, FieldMapping.model_validate(data), label)


def map_fields(document: MappingDocument, source: str, target: str) -> Edit | None:
    """The edit a drop of `source` onto `target` makes; None when it changes nothing.

    A leaf onto a leaf maps it (a second source makes the mapping multi-source).
    An object or array onto an object or array maps their children by name,
    recursively; with no child in common it maps the whole value.
    """
    source_kind, target_kind = _kind(document, "source", source), _kind(document, "target", target)
    if source_kind is None or target_kind is None:
        return None
    if source_kind in _STRUCTURED and target_kind in _STRUCTURED:
        edits = _map_structure(document, source, target)
        if edits:
            return Batch(f"Map structure {source} → {target}", edits)
    return _map_one(document, source, target)


def _map_structure(document: MappingDocument, source: str, target: str) -> list[Edit]:
    source_children = _children(document, "source", source)
    edits: list[Edit] = []
    # Each child's edit sees the ones before it (the first binds an array for the rest).
    working = document.model_copy(deep=True)
    for name, target_child in _children(document, "target", target).items():
        source_child = source_children.get(name)
        if source_child is None:
            continue
        edit = map_fields(working, source_child, target_child)
        if edit is not None:
            edits.append(edit)
            edit.apply(working)
    return edits


def edit_mapping(
    document: MappingDocument, target: str, label: str, **changes: Any
) -> ReplaceFieldMapping:
    """An edit changing some attributes of the mapping writing `target` (validated)."""
    existing = document.field(target)
    if existing is None:
        raise KeyError(f"no field mapping writes {target}")
    data = existing.model_dump()
    data.update(changes)
    return ReplaceFieldMapping(target, FieldMapping.model_validate(data), label)


def remove_mappings(targets: Sequence[str]) -> Edit:
    edits: list[Edit] = [RemoveFieldMapping(t) for t in targets]
    if len(edits) == 1:
        return edits[0]
    return Batch(f"Remove {len(edits)} mappings", edits)
