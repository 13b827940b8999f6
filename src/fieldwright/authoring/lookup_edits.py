"""Edits of a document's lookup tables and record filter, as pure do/undo logic. Qt-free.

A lookup table is a named value map (`document.lookups[name]`) with an
optional default for keys it lacks (`document.lookup_defaults[name]`). Each
edit keeps both as they were to undo itself exactly, and returns
`PropertiesChanged` naming what it changed. A name or value the document
refuses raises `ValueError` (or pydantic's `ValidationError`, a `ValueError`)
and changes nothing.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from fieldwright.authoring.edits import Batch, Edit, ReplaceFieldMapping
from fieldwright.authoring.events import Events, PropertiesChanged
from fieldwright.domain import MappingDocument, TransformStep
from fieldwright.service import check_filter, function_library

__all__ = [
    "AddLookup",
    "DeleteLookup",
    "RenameLookup",
    "SetFilter",
    "SetLookupDefault",
    "SetLookupRows",
    "lookup_arguments",
    "rename_lookup",
]

_TABLE_NAMES = ("lookup_defaults", "lookups")


def _checked_name(name: str) -> str:
    text = name.strip()
    if not text:
        raise ValueError("a lookup table needs a name")
    return text


def _existing(document: MappingDocument, name: str) -> dict[str, JsonValue]:
    if name not in document.lookups:
        known = ", ".join(document.lookups) or "none"
        raise KeyError(f"no lookup table {name!r} (tables: {known})")
    return document.lookups[name]


@dataclass
class _TableEdit(ABC):
    """Replace the tables and their defaults at once; undo puts the previous ones back."""

    _before: tuple[dict[str, dict[str, JsonValue]], dict[str, JsonValue]] | None = field(
        default=None, init=False, repr=False
    )

    @property
    @abstractmethod
    def text(self) -> str: ...

    @abstractmethod
    def changed(
        self, tables: dict[str, dict[str, JsonValue]], defaults: dict[str, JsonValue]
    ) -> None:
        """Change the copies `tables` and `defaults` in place (raise to refuse)."""

    def apply(self, document: MappingDocument) -> Events:
        tables = copy.deepcopy(document.lookups)
        defaults = copy.deepcopy(document.lookup_defaults)
        self.changed(tables, defaults)
        # Validate before changing anything: a refused value leaves the document as it was.
        MappingDocument.model_validate(
            {
                **document.model_dump(exclude={"fields", "tests"}),
                "lookups": tables,
                "lookup_defaults": defaults,
            }
        )
        self._before = (document.lookups, document.lookup_defaults)
        _set_tables(document, tables, defaults)
        return [PropertiesChanged(_TABLE_NAMES)]

    def revert(self, document: MappingDocument) -> Events:
        assert self._before is not None, "revert before apply"
        _set_tables(document, *self._before)
        return [PropertiesChanged(_TABLE_NAMES)]


def _set_tables(
    document: MappingDocument,
    tables: dict[str, dict[str, JsonValue]],
    defaults: dict[str, JsonValue],
) -> None:
    # Each assignment is validated: defaults go first so none names a vanished table.
    document.lookup_defaults = {}
    document.lookups = tables
    document.lookup_defaults = defaults


@dataclass
class AddLookup(_TableEdit):
    """A new lookup table, empty or with rows, with an optional default."""

    name: str = ""
    rows: Mapping[str, JsonValue] = field(default_factory=dict)
    default: JsonValue = None

    @property
    def text(self) -> str:
        return f"Add lookup table {self.name.strip()}"

    def changed(
        self, tables: dict[str, dict[str, JsonValue]], defaults: dict[str, JsonValue]
    ) -> None:
        name = _checked_name(self.name)
        if name in tables:
            raise ValueError(f"there is a lookup table {name!r} already")
        tables[name] = dict(self.rows)
        if self.default is not None:
            defaults[name] = self.default


@dataclass
class DeleteLookup(_TableEdit):
    """Remove a lookup table and its default."""

    name: str = ""

    @property
    def text(self) -> str:
        return f"Delete lookup table {self.name}"

    def changed(
        self, tables: dict[str, dict[str, JsonValue]], defaults: dict[str, JsonValue]
    ) -> None:
        if self.name not in tables:
            raise KeyError(f"no lookup table {self.name!r}")
        del tables[self.name]
        defaults.pop(self.name, None)


@dataclass
class RenameLookup(_TableEdit):
    """Rename a lookup table where it stands (its default follows); see `rename_lookup`
    for the edit that also renames it in the steps that use it."""

    old: str = ""
    new: str = ""

    @property
    def text(self) -> str:
        return f"Rename lookup table {self.old} to {self.new.strip()}"

    def changed(
        self, tables: dict[str, dict[str, JsonValue]], defaults: dict[str, JsonValue]
    ) -> None:
        new = _checked_name(self.new)
        if self.old not in tables:
            raise KeyError(f"no lookup table {self.old!r}")
        if new != self.old and new in tables:
            raise ValueError(f"there is a lookup table {new!r} already")
        renamed = {new if name == self.old else name: rows for name, rows in tables.items()}
        tables.clear()
        tables.update(renamed)
        if self.old in defaults:
            moved = {new if name == self.old else name: v for name, v in defaults.items()}
            defaults.clear()
            defaults.update(moved)


@dataclass
class SetLookupRows(_TableEdit):
    """Replace the rows (key → value) of a lookup table, in the given order."""

    name: str = ""
    rows: Mapping[str, JsonValue] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"Edit lookup table {self.name}"

    def changed(
        self, tables: dict[str, dict[str, JsonValue]], defaults: dict[str, JsonValue]
    ) -> None:
        if self.name not in tables:
            raise KeyError(f"no lookup table {self.name!r}")
        if any(not key.strip() for key in self.rows):
            raise ValueError(f"lookup table {self.name!r}: a row has an empty key")
        tables[self.name] = dict(self.rows)


@dataclass
class SetLookupDefault(_TableEdit):
    """Set (or, with None, remove) the value a lookup table gives for keys it lacks."""

    name: str = ""
    default: JsonValue = None

    @property
    def text(self) -> str:
        if self.default is None:
            return f"Remove the default of lookup table {self.name}"
        return f"Set the default of lookup table {self.name}"

    def changed(
        self, tables: dict[str, dict[str, JsonValue]], defaults: dict[str, JsonValue]
    ) -> None:
        if self.name not in tables:
            raise KeyError(f"no lookup table {self.name!r}")
        if self.default is None:
            defaults.pop(self.name, None)
        else:
            defaults[self.name] = self.default


@dataclass
class SetFilter:
    """Set the record filter (a JMESPath predicate); empty text or None removes it."""

    expression: str | None
    _before: str | None = field(default=None, init=False, repr=False)

    @property
    def text(self) -> str:
        return "Remove the record filter" if not self.expression else "Set the record filter"

    def apply(self, document: MappingDocument) -> Events:
        expression = (self.expression or "").strip() or None
        if expression is not None and (problem := check_filter(expression)) is not None:
            raise ValueError(f"filter: {problem}")
        self._before = document.filter
        document.filter = expression
        return [PropertiesChanged(("filter",))]

    def revert(self, document: MappingDocument) -> Events:
        document.filter = self._before
        return [PropertiesChanged(("filter",))]


def lookup_arguments() -> dict[str, list[int]]:
    """For each function that names a lookup table: the indexes of those arguments."""
    found: dict[str, list[int]] = {}
    for spec in function_library():
        indexes = [i for i, param in enumerate(spec.params) if param.type.value == "lookup"]
        if indexes:
            found[spec.name] = indexes
    return found


def _renamed_steps(steps: list[TransformStep], old: str, new: str) -> list[TransformStep] | None:
    """The steps with table `old` renamed `new` in their lookup arguments; None if none was."""
    arguments = lookup_arguments()
    result: list[TransformStep] = []
    changed = False
    for step in steps:
        args: list[Any] = list(step.args)
        for index in arguments.get(step.fn, ()):
            if index < len(args) and args[index] == old:
                args[index] = new
                changed = True
        result.append(TransformStep(fn=step.fn, args=args))
    return result if changed else None


def rename_lookup(document: MappingDocument, old: str, new: str) -> Edit:
    """Rename a lookup table and, in one undo step, the steps of the field mappings using it."""
    _existing(document, old)
    new = _checked_name(new)
    edits: list[Edit] = [RenameLookup(old=old, new=new)]
    for mapping in document.fields:
        steps = _renamed_steps(mapping.transforms, old, new)
        if steps is not None:
            after = mapping.model_copy(deep=True, update={"transforms": steps})
            edits.append(ReplaceFieldMapping(mapping.target, after, f"Use table {new}"))
    if len(edits) == 1:
        return edits[0]
    return Batch(f"Rename lookup table {old} to {new}", edits)
