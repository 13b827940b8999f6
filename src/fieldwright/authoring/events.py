"""What an edit changed in a mapping document: typed, Qt-free change events.

Every `Edit` returns the events of its change when applied and the inverse
events when reverted; the document session (`session.py`) hands them to its
listeners. Indexes are positions in `document.fields` or `document.tests`
*after* the change (for a removal: where the removed item was).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ConnectorChanged",
    "DocumentEvent",
    "DocumentReplaced",
    "Events",
    "FieldMappingAdded",
    "FieldMappingRemoved",
    "FieldMappingReplaced",
    "PropertiesChanged",
    "SchemaChanged",
    "Side",
    "TestAdded",
    "TestRemoved",
    "TestReplaced",
]

Side = Literal["source", "target"]


@dataclass(frozen=True, slots=True)
class FieldMappingAdded:
    index: int
    target: str


@dataclass(frozen=True, slots=True)
class FieldMappingReplaced:
    index: int
    #: The target it writes now, and the one it wrote before (they differ on a retarget).
    target: str
    previous: str


@dataclass(frozen=True, slots=True)
class FieldMappingRemoved:
    index: int
    target: str


@dataclass(frozen=True, slots=True)
class SchemaChanged:
    side: Side


@dataclass(frozen=True, slots=True)
class TestAdded:
    __test__ = False  # not a pytest class

    index: int
    name: str


@dataclass(frozen=True, slots=True)
class TestReplaced:
    __test__ = False  # not a pytest class

    index: int
    name: str


@dataclass(frozen=True, slots=True)
class TestRemoved:
    __test__ = False  # not a pytest class

    index: int
    name: str


@dataclass(frozen=True, slots=True)
class PropertiesChanged:
    """Document-level settings changed: name, key, description, lookups, filter, run…"""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConnectorChanged:
    """Where one side's records come from or go to changed (its connector)."""

    side: Side


@dataclass(frozen=True, slots=True)
class DocumentReplaced:
    """Another document took the session's place (new, open): everything changed."""


DocumentEvent = (
    FieldMappingAdded
    | FieldMappingReplaced
    | FieldMappingRemoved
    | SchemaChanged
    | TestAdded
    | TestReplaced
    | TestRemoved
    | PropertiesChanged
    | ConnectorChanged
    | DocumentReplaced
)

#: What one edit, undo or redo changed, in order.
Events = Sequence[DocumentEvent]
