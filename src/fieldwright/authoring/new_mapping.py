"""A new mapping from the guide: its proposed business key, a key nobody holds yet, the
document itself, and later edits of its properties. Qt-free.

The key follows ``mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}`` (the codes the analyst
typed; a missing one is left out). It is only a proposal: the guide keeps it
editable. `available_key` adds ``_2``, ``_3`` … when the store, a recent file or
the open document already holds a key, so a second new mapping never collides
with the first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from fieldwright.authoring.edits import SetProperties
from fieldwright.domain import (
    FORMAT_VERSION,
    SYSTEM_CODE,
    ConnectorRef,
    Endpoint,
    MappingDocument,
    SchemaField,
)

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = [
    "EDITABLE_PROPERTIES",
    "NewMapping",
    "available_key",
    "code_problem",
    "normalise_code",
    "properties_edit",
    "propose_key",
    "taken_keys",
    "typed_code",
]

#: What Mapping → Properties… edits, in the order the dialog shows them.
EDITABLE_PROPERTIES = ("name", "key", "description", "client", "source_system", "target_system")

#: How many numbered keys `available_key` tries before it gives up.
_MAX_SUFFIX = 10_000


def normalise_code(text: str) -> str:
    """A code as typed, made the way keys hold it: trimmed, upper case, spaces as _."""
    return "_".join(text.strip().upper().split())


def typed_code(text: str) -> str:
    """A code while it is typed: upper case, a space as _ (trimmed only by `normalise_code`)."""
    return text.upper().replace(" ", "_")


def code_problem(code: str, what: str) -> str | None:
    """Why `code` cannot be the `what` code (None when it can; "" is allowed: no code)."""
    if not code or SYSTEM_CODE.match(code):
        return None
    return f"The {what} code {code!r} needs 2 to 16 upper-case letters, digits or _ (e.g. ACME)."


def propose_key(source_system: str, target_system: str, client: str, day: date) -> str:
    """``mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}``; codes left empty are left out."""
    codes = [normalise_code(c) for c in (source_system, target_system, client)]
    body = "_".join(c for c in codes if c) or "NEW"
    return f"mapping_{body}_{day:%Y%m%d}"


def available_key(key: str, taken: Container[str] | Callable[[str], bool]) -> str:
    """`key` when nobody holds it, else the first of ``key_2``, ``key_3`` … that is free."""
    holds: Callable[[str], bool] = taken if callable(taken) else taken.__contains__
    if not holds(key):
        return key
    for number in range(2, _MAX_SUFFIX):
        candidate = f"{key}_{number}"
        if not holds(candidate):
            return candidate
    raise ValueError(f"every key from {key}_2 to {key}_{_MAX_SUFFIX - 1} is taken; name it")


def _file_key(path: Path) -> str | None:
    """The business key written in a mapping file, if it can be read (a quick look only)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    key = data.get("key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None


def taken_keys(
    service: Service | None, recent_files: Iterable[Path], open_keys: Iterable[str] = ()
) -> set[str]:
    """Every key a new mapping must not take: the store's, recent files', the open ones'.

    Raises ServiceError when the store cannot be listed.
    """
    keys = set(open_keys)
    keys.update(key for path in recent_files if (key := _file_key(path)) is not None)
    if service is not None:
        keys.update(summary.key for summary in service.list_mappings())
    return keys


@dataclass
class NewMapping:
    """What the guide gathered; `document()` makes it a mapping document."""

    name: str
    key: str
    description: str = ""
    client: str = ""
    source_system: str = ""
    target_system: str = ""
    source_fields: list[SchemaField] = field(default_factory=list)
    source_connector: ConnectorRef | None = None
    target_fields: list[SchemaField] = field(default_factory=list)
    target_connector: ConnectorRef | None = None

    def problems(self) -> list[str]:
        """What stops the guide from finishing, in words (empty when it can)."""
        found = []
        if not self.name.strip():
            found.append("Give the mapping a name.")
        if not self.key.strip():
            found.append("Give the mapping a key.")
        elif any(ch.isspace() for ch in self.key.strip()):
            found.append("A mapping key has no spaces (use _).")
        for code, what in (
            (self.source_system, "source system"),
            (self.target_system, "target system"),
            (self.client, "client"),
        ):
            if (problem := code_problem(code, what)) is not None:
                found.append(problem)
        return found

    def document(self) -> MappingDocument:
        """The new document; raises ValueError naming what is wrong (see `problems`)."""
        if problems := self.problems():
            raise ValueError(" ".join(problems))
        try:
            return MappingDocument(
                fieldwright=FORMAT_VERSION,
                key=self.key.strip(),
                name=self.name.strip(),
                description=self.description.strip(),
                client=self.client,
                source_system=self.source_system,
                target_system=self.target_system,
                source=Endpoint(fields=self.source_fields, connector=self.source_connector),
                target=Endpoint(fields=self.target_fields, connector=self.target_connector),
            )
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(f"the new mapping is not valid: {details}") from exc


def properties_edit(document: MappingDocument, **values: str) -> SetProperties | None:
    """The undoable edit setting the properties that differ from the document's (None: none).

    Only `EDITABLE_PROPERTIES` are accepted; text is trimmed. Applying it raises
    ValidationError for a value the document refuses (an empty name, a bad code).
    """
    unknown = values.keys() - set(EDITABLE_PROPERTIES)
    if unknown:
        raise KeyError(f"not an editable property: {', '.join(sorted(unknown))}")
    changes = {
        name: value.strip()
        for name, value in values.items()
        if value.strip() != getattr(document, name)
    }
    if not changes:
        return None
    return SetProperties(changes, label=f"Change mapping {', '.join(_words(changes))}")


def _words(changes: dict[str, str]) -> list[str]:
    return [name.replace("_", " ") for name in EDITABLE_PROPERTIES if name in changes]
