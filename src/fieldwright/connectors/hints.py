"""Where an analyst sets a file connector's setting: for every message that says "set X".

A mapping document holds each side's connector settings under
``source.connector.settings`` and ``target.connector.settings``; `fieldwright
run` and `fieldwright preview` override the source's with flags (the names in
`SOURCE_FLAGS`, which tests/cli pins to the commands' options).
"""

from __future__ import annotations

from typing import Literal

__all__ = ["SOURCE_FLAGS", "where_to_set"]

#: The command-line flag of each file source setting that has one.
SOURCE_FLAGS: dict[str, str] = {
    "encoding": "--encoding",
    "delimiter": "--delimiter",
    "records_path": "--records-path",
    "sheet": "--sheet",
    "max_depth": "--max-depth",
    "max_record_size": "--max-record-size",
    "max_field_size": "--max-field-size",
    "check_duplicate_keys": "--no-check-duplicate-keys",
}


def where_to_set(name: str, side: Literal["source", "target"] = "source") -> str:
    """Where `name` is set: the document's connector setting, and the flag if it has one."""
    where = f"the document's {side}.connector.settings.{name}"
    flag = SOURCE_FLAGS.get(name) if side == "source" else None
    return f"{where}, or {flag}" if flag else where
