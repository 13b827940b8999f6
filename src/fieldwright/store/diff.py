"""Field-level differences between two versions of a mapping, keyed by target path."""

from __future__ import annotations

from typing import Any

from fieldwright.domain.canonical import to_data
from fieldwright.domain.document import FieldMapping, MappingDocument
from fieldwright.domain.store_models import FieldChange, MappingDiff

__all__ = ["diff_documents"]

#: Parts of the document that are not "other changes" (fields are diffed one by one).
_NOT_COMPARED = frozenset({"fields", "version"})


def _by_target(fields: list[FieldMapping]) -> dict[str, FieldMapping]:
    """Field mappings by target path; a repeated target gets `#2`, `#3` … appended."""
    keyed: dict[str, FieldMapping] = {}
    for field in fields:
        key, n = field.target, 1
        while key in keyed:
            n += 1
            key = f"{field.target}#{n}"
        keyed[key] = field
    return keyed


def _flatten(field: FieldMapping) -> dict[str, Any]:
    data = field.model_dump(mode="json")
    flat = {name: value for name, value in data.items() if name not in ("target", "rules")}
    flat.update({f"rules.{name}": value for name, value in data["rules"].items()})
    return flat


def _field_changes(target: str, old: FieldMapping, new: FieldMapping) -> FieldChange | None:
    before, after = _flatten(old), _flatten(new)
    changes = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    return FieldChange(target=target, changes=changes) if changes else None


def diff_documents(old: MappingDocument, new: MappingDocument) -> MappingDiff:
    """What a reviewer needs to know: field mappings added, removed, changed, and what else."""
    old_fields, new_fields = _by_target(old.fields), _by_target(new.fields)
    changed = [
        change
        for target in old_fields
        if target in new_fields
        and (change := _field_changes(target, old_fields[target], new_fields[target]))
    ]
    old_data, new_data = to_data(old), to_data(new)
    others = sorted(
        name
        for name in set(old_data) | set(new_data)
        if name not in _NOT_COMPARED and old_data.get(name) != new_data.get(name)
    )
    return MappingDiff(
        key=new.key,
        old_version=old.version,
        new_version=new.version,
        added=[target for target in new_fields if target not in old_fields],
        removed=[target for target in old_fields if target not in new_fields],
        changed=changed,
        other_changes=others,
    )
