"""A renamed schema field renames its key in the document's tests too: in the inputs of a
source field, in the expected outputs of a target field (item by item under arrays), so
that a rename does not break the suite that proves the mapping."""

from __future__ import annotations

from typing import Any

from fieldwright.domain import FieldType, SchemaField, TestCase, member_path

__all__ = ["Chain", "field_chain", "rename_in", "renamed_tests"]

#: The names from the top of a schema down to a field, each with whether it is an array.
Chain = list[tuple[str, bool]]


def field_chain(fields: list[SchemaField], path: str, parent: str = "$") -> Chain | None:
    """The chain of names leading to the field at `path`; None when there is none."""
    for field in fields:
        here = member_path(parent, field.name)
        is_array = field.type is FieldType.ARRAY
        if here == path:
            return [(field.name, is_array)]
        below = field_chain(field.fields, path, f"{here}[*]" if is_array else here)
        if below is not None:
            return [(field.name, is_array), *below]
    return None


def rename_in(value: Any, chain: Chain, new: str) -> Any:
    """`value` with the key at the end of `chain` renamed to `new` (order of keys kept);
    the same object when nothing is renamed."""
    if not isinstance(value, dict) or not chain or chain[0][0] not in value:
        return value
    (name, is_array), *rest = chain
    if not rest:
        if new in value:  # the new name is taken here: leave the record as the tester wrote it
            return value
        return {new if key == name else key: item for key, item in value.items()}
    child = value[name]
    if is_array and isinstance(child, list):
        renamed: Any = [rename_in(item, rest, new) for item in child]
        if all(a is b for a, b in zip(renamed, child, strict=True)):
            return value
    else:
        renamed = rename_in(child, rest, new)
        if renamed is child:
            return value
    return {**value, name: renamed}


def renamed_tests(
    tests: list[TestCase], side: str, chain: Chain, new: str
) -> tuple[list[TestCase], list[int]] | None:
    """The tests with the field renamed in their inputs (source) or expected outputs
    (target), and the indexes that changed; None when none changed."""
    changed: list[int] = []
    result: list[TestCase] = []
    for index, test in enumerate(tests):
        if side == "source":
            data = rename_in(test.input, chain, new)
            update = {"input": data} if data is not test.input else {}
        else:
            data = rename_in(test.expected, chain, new)
            update = {"expected": data} if data is not test.expected else {}
        if update:
            changed.append(index)
            result.append(test.model_copy(update=update, deep=True))
        else:
            result.append(test)
    return (result, changed) if changed else None
