"""Lookup functions: translate values through the document's named lookup tables.

A lookup table maps keys (text) to values, e.g. {"lead": "L", "customer": "C"}.
The value is compared as text, so the number 2 finds the key "2". A table may
have a default (the document's `lookup_defaults`): what `lookup` gives for a
key the table lacks when the step names no default of its own.

One rule for null, shared by every function here: a null value (a missing
source is null too) is never a key of a table; it is a value the table does
not have. So the functions with a default (`lookup`, `reverse_lookup`, and
`lookup_list` for null items) give it; those without one leave null as it is
(`lookup_or_keep`, `lookup_strict`: there is nothing to translate, and the
field's `default` and `required` decide); `in_lookup` is false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldwright.engine.functions._common import as_items, as_text, show, type_name
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    NullBehaviour,
    Param,
    TransformError,
    function,
)

_K = Category.LOOKUP
_TABLE = Param("table", ArgType.LOOKUP, "the name of a lookup table of the mapping")
_DEFAULT = Param("default", ArgType.ANY, "the result when the value is not in the table", None)
_IGNORE_CASE = Param("ignore_case", ArgType.BOOLEAN, "match keys regardless of case", False)
_MISSING = object()
_STAGES = {"stage": {"lead": "L", "customer": "C", "2": "two"}}


class LookupTable(dict[str, Any]):
    """A document's lookup table as the functions receive it: its entries and its default."""

    def __init__(self, entries: Mapping[str, Any], default: Any = None) -> None:
        super().__init__(entries)
        self.default = default


def lookup_tables(
    tables: Mapping[str, Mapping[str, Any]], defaults: Mapping[str, Any]
) -> dict[str, LookupTable]:
    """The document's tables (`lookups`) with their defaults (`lookup_defaults`)."""
    return {name: LookupTable(entries, defaults.get(name)) for name, entries in tables.items()}


def fallback(table: Mapping[str, Any], default: Any) -> Any:
    """What a lookup gives for a missing key: the step's default, else the table's."""
    if default is not None:
        return default
    return table.default if isinstance(table, LookupTable) else None


def _key(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, list | dict):
        raise TransformError(
            f"a lookup key must be a single value, not a {type_name(value)} {show(value)}; "
            "use lookup_list for lists"
        )
    return as_text(value)


def _find(value: Any, table: Mapping[str, Any], ignore_case: bool) -> Any:
    if value is None:  # null is never a key (the module's null rule)
        return _MISSING
    key = _key(value)
    if key in table:
        return table[key]
    if ignore_case:
        folded = key.casefold()
        for candidate, result in table.items():
            if candidate.casefold() == folded:
                return result
    return _MISSING


def _lookup_text(value: str, table: Mapping[str, Any], default: Any, ignore_case: bool) -> Any:
    found = table.get(value, _MISSING)
    if found is _MISSING:
        found = _find(value, table, ignore_case)
    return fallback(table, default) if found is _MISSING else found


@function(
    "lookup",
    _K,
    "Translate the value through a lookup table.",
    returns="any",
    params=[_TABLE, _DEFAULT, _IGNORE_CASE],
    examples=[
        Example("lead", ("stage",), "L", lookups=_STAGES),
        Example("prospect", ("stage", "?"), "?", lookups=_STAGES),
        Example("LEAD", ("stage", None, True), "L", lookups=_STAGES),
        Example(2, ("stage",), "two", lookups=_STAGES),
        Example(None, ("stage", "?"), "?", lookups=_STAGES),
    ],
    on_text=_lookup_text,
    null_passthrough=False,
    null_behaviour=NullBehaviour.DEFAULT,
)
def lookup(value: Any, table: Mapping[str, Any], default: Any, ignore_case: bool) -> Any:
    """The table's entry for the value, or `default` when there is none (when
    omitted, the table's own default, else null); a null value or a missing
    source gets it too. To keep unknown values use `lookup_or_keep`; to fail on
    them, `lookup_strict`."""
    found = _find(value, table, ignore_case)
    return fallback(table, default) if found is _MISSING else found


@function(
    "lookup_or_keep",
    _K,
    "Translate through a lookup table, keeping unknown values.",
    returns="any",
    params=[_TABLE, _IGNORE_CASE],
    examples=[
        Example("lead", ("stage",), "L", lookups=_STAGES),
        Example("prospect", ("stage",), "prospect", lookups=_STAGES),
        Example(None, ("stage",), None, lookups=_STAGES),
    ],
    null_passthrough=False,
)
def lookup_or_keep(value: Any, table: Mapping[str, Any], ignore_case: bool) -> Any:
    """The table's entry for the value, or the value itself when the table has
    no such key (translate only the values you know); null stays null."""
    found = _find(value, table, ignore_case)
    return value if found is _MISSING else found


@function(
    "lookup_strict",
    _K,
    "Translate through a lookup table; unknown values fail.",
    returns="any",
    params=[_TABLE, _IGNORE_CASE],
    examples=[Example("customer", ("stage",), "C", lookups=_STAGES)],
)
def lookup_strict(value: Any, table: Mapping[str, Any], ignore_case: bool) -> Any:
    """The table's entry for the value. A value missing from the table is an
    error of the record, handled by the field's on_error; null stays null (set
    the field `required` to refuse it)."""
    found = _find(value, table, ignore_case)
    if found is _MISSING:
        keys = sorted(table)
        listed = ", ".join(repr(k) for k in keys[:10]) + (", …" if len(keys) > 10 else "")
        raise TransformError(f"{show(value)} is not in the lookup table (keys: {listed or 'none'})")
    return found


@function(
    "reverse_lookup",
    _K,
    "Find the key of a lookup table whose entry is the value.",
    returns="string | null",
    params=[_TABLE, _DEFAULT, _IGNORE_CASE],
    examples=[
        Example("C", ("stage",), "customer", lookups=_STAGES),
        Example("X", ("stage", "unknown"), "unknown", lookups=_STAGES),
    ],
    null_passthrough=False,
    null_behaviour=NullBehaviour.DEFAULT,
)
def reverse_lookup(value: Any, table: Mapping[str, Any], default: Any, ignore_case: bool) -> Any:
    """Translate back: the first key (in table order) whose entry equals the
    value, or `default` when none does (a null value gets `default` too).
    Entries and value are compared as text when they are text or numbers."""
    if value is None:
        return default
    wanted = _key(value)
    folded = wanted.casefold()
    for key, entry in table.items():
        if isinstance(entry, list | dict) or entry is None:
            continue
        text = as_text(entry)
        if text == wanted or (ignore_case and text.casefold() == folded):
            return key
    return default


@function(
    "lookup_list",
    _K,
    "Translate every item of a list through a lookup table.",
    returns="list",
    params=[_TABLE, _DEFAULT, _IGNORE_CASE],
    examples=[
        Example(["lead", "customer", "x"], ("stage", "?"), ["L", "C", "?"], lookups=_STAGES),
        Example(["lead", None], ("stage", "?"), ["L", "?"], lookups=_STAGES),
    ],
)
def lookup_list(value: Any, table: Mapping[str, Any], default: Any, ignore_case: bool) -> list[Any]:
    """`lookup` applied to each item of a list, so null items get `default` as
    `lookup` gives it; a null list stays null. A single value is treated as a
    one-item list."""
    results: list[Any] = []
    missing = fallback(table, default)
    for item in as_items(value):
        found = _find(item, table, ignore_case)
        results.append(missing if found is _MISSING else found)
    return results


@function(
    "in_lookup",
    _K,
    "Whether the value is a key of a lookup table.",
    returns="boolean",
    params=[_TABLE, _IGNORE_CASE],
    examples=[
        Example("lead", ("stage",), True, lookups=_STAGES),
        Example("Lead", ("stage",), False, lookups=_STAGES),
    ],
    null_passthrough=False,
)
def in_lookup(value: Any, table: Mapping[str, Any], ignore_case: bool) -> bool:
    """True when the table has an entry for the value, e.g. to validate codes;
    false for null."""
    return _find(value, table, ignore_case) is not _MISSING
