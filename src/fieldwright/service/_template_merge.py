"""Three-way merge of mapping documents: template vN (base) → vM (theirs), instance (ours).

A document is split into units a person recognises: each field mapping (by
target), each lookup table, each test (by name), and the schemas, filter,
description and run settings as wholes. A unit changed on one side only takes
that side; changed identically on both sides is no conflict; changed
differently on both sides is a conflict, reported and never resolved here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fieldwright.domain import MappingDocument, from_data, to_data

__all__ = ["Choice", "MergeChange", "MergeConflict", "MergeResult", "build", "merge", "units"]

#: Parts merged as a whole.
_WHOLE = ("description", "source", "target", "lookup_defaults", "filter", "run")


class Choice(StrEnum):
    """How a conflict is resolved: keep the instance's unit or take the template's."""

    INSTANCE = "instance"
    TEMPLATE = "template"


@dataclass(frozen=True, slots=True)
class MergeChange:
    """A template change the upgrade brings in: `unit` is e.g. ``fields/$.hours``."""

    unit: str
    action: str  #: added, removed or updated

    def __str__(self) -> str:
        return f"{self.unit}: {self.action} by the template"


@dataclass(frozen=True, slots=True)
class MergeConflict:
    """A unit both the template and the instance changed, differently (None = absent)."""

    unit: str
    base: Any
    instance: Any
    template: Any

    def __str__(self) -> str:
        return f"{self.unit}: changed by the template and in this instance"


@dataclass(frozen=True, slots=True)
class MergeResult:
    #: Every unit after the merge; a conflict's unit holds the instance's value until resolved.
    merged: dict[str, Any]
    changes: list[MergeChange] = field(default_factory=list)
    conflicts: list[MergeConflict] = field(default_factory=list)


def units(document: MappingDocument) -> dict[str, Any]:
    """The document's mergeable units as JSON data, in document order."""
    data = to_data(document)
    found: dict[str, Any] = {"name": document.name}
    found.update({part: data.get(part) for part in _WHOLE})
    for name, table in data.get("lookups", {}).items():
        found[f"lookups/{name}"] = table
    for mapping in data.get("fields", []):
        found[f"fields/{mapping['target']}"] = mapping
    for test in data.get("tests", []):
        found[f"tests/{test['name']}"] = test
    return found


def merge(
    base: MappingDocument, instance: MappingDocument, template: MappingDocument
) -> MergeResult:
    old, ours, theirs = units(base), units(instance), units(template)
    order = list(theirs) + [unit for unit in ours if unit not in theirs]
    merged: dict[str, Any] = {}
    changes: list[MergeChange] = []
    conflicts: list[MergeConflict] = []
    for unit in order:
        was, mine, new = old.get(unit), ours.get(unit), theirs.get(unit)
        if mine in (was, new):
            merged[unit] = new
            if new != was and mine != new:
                action = "added" if was is None else "removed" if new is None else "updated"
                changes.append(MergeChange(unit, action))
        elif new == was:
            merged[unit] = mine
        else:
            merged[unit] = mine
            conflicts.append(MergeConflict(unit, was, mine, new))
    return MergeResult(merged, changes, conflicts)


def build(instance: MappingDocument, merged: dict[str, Any]) -> MappingDocument:
    """The instance document with its units replaced by `merged` (absent units dropped)."""
    data: dict[str, Any] = {
        "fieldwright": instance.fieldwright,
        "key": instance.key,
        "version": instance.version,
        "name": merged.get("name") or instance.name,
    }
    lookups: dict[str, Any] = {}
    fields: list[Any] = []
    tests: list[Any] = []
    for unit, value in merged.items():
        if value is None or unit == "name":
            continue
        kind, _, name = unit.partition("/")
        if kind == "lookups":
            lookups[name] = value
        elif kind == "fields":
            fields.append(value)
        elif kind == "tests":
            tests.append(value)
        else:
            data[unit] = value
    data.update(lookups=lookups, fields=fields, tests=tests)
    return from_data(data)
