"""Where one side of a new mapping starts from, and reading its schema and connector. Qt-free.

A `SideChoice` is what the New mapping guide's form holds for the source or the
target, as plain values, so it can be read on a worker thread: `read` asks the
service for the fields and returns them with the connector the new document
will use (None when a run should not use it: a target's sample file only shows
the shape, and a run must never write over it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import JsonValue

from fieldwright.authoring.edits import Side
from fieldwright.domain import ConnectorRef, SchemaField
from fieldwright.service import (
    file_connector,
    infer_schema_from_connector,
    infer_schema_from_file,
    schema_from_json_schema_file,
)

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = ["SOURCE_KINDS", "STORE_KINDS", "TARGET_KINDS", "Incomplete", "SideChoice", "StartFrom"]


class StartFrom(StrEnum):
    """What one side of a new mapping starts from."""

    EMPTY = "empty"
    FILE = "file"
    JSON_SCHEMA = "json_schema"
    CONNECTION = "connection"
    HTTP = "http"
    TEMPLATE = "template"


SOURCE_KINDS = (StartFrom.FILE, StartFrom.CONNECTION, StartFrom.HTTP)
TARGET_KINDS = (
    StartFrom.EMPTY,
    StartFrom.FILE,
    StartFrom.JSON_SCHEMA,
    StartFrom.CONNECTION,
    StartFrom.TEMPLATE,
)
#: The kinds that need a store (saved connections, the template library).
STORE_KINDS = frozenset({StartFrom.CONNECTION, StartFrom.TEMPLATE})

Read = tuple[list[SchemaField], ConnectorRef | None]


class Incomplete(ValueError):
    """The choice misses an input; the message says which."""


@dataclass(frozen=True)
class SideChoice:
    """One side's choice as typed; `read` turns it into fields and a connector."""

    side: Side
    start_from: StartFrom
    path: str = ""
    connection: str = ""
    table: str = ""
    query: str = ""
    url: str = ""
    records_path: str = ""
    template: str = ""

    def check(self, service: Service | None) -> None:
        """Raise Incomplete when an input the choice needs is missing (before any reading)."""
        kind = self.start_from
        if kind in STORE_KINDS and service is None:
            raise Incomplete("Saved connections and templates need the mapping store.")
        if kind in (StartFrom.FILE, StartFrom.JSON_SCHEMA) and not self.path.strip():
            raise Incomplete("Give the file: type its path or Browse….")
        if kind is StartFrom.CONNECTION:
            if not self.connection:
                raise Incomplete("Choose a saved connection (add one on the Connections page).")
            if self.side == "target" and not self.table.strip():
                raise Incomplete("Give the table the mapping writes into.")
        if kind is StartFrom.HTTP and not self.url.strip():
            raise Incomplete("Give the endpoint's URL, e.g. https://api.example.com/v1/contacts.")
        if kind is StartFrom.TEMPLATE and not self.template:
            raise Incomplete("Choose a template.")

    def read(self, service: Service | None) -> Read:
        """The fields and the connector; raises Incomplete or a ServiceError saying why not."""
        self.check(service)
        kind = self.start_from
        if kind is StartFrom.EMPTY:
            return [], None
        if kind in (StartFrom.FILE, StartFrom.JSON_SCHEMA):
            return self._read_file()
        assert service is not None or kind is StartFrom.HTTP  # checked above
        if kind is StartFrom.HTTP:
            return self._read_http()
        assert service is not None
        if kind is StartFrom.CONNECTION:
            return self._read_connection(service)
        template = service.templates.get(self.template)
        return [f.model_copy(deep=True) for f in template.target.fields], None

    def _read_file(self) -> Read:
        path = Path(self.path.strip()).expanduser().resolve()
        if self.start_from is StartFrom.JSON_SCHEMA:
            return schema_from_json_schema_file(path), None
        fields = infer_schema_from_file(path)
        # A target sample only shows the shape: a run must not write over it.
        return fields, file_connector(path) if self.side == "source" else None

    def _read_connection(self, service: Service) -> Read:
        table, query = self.table.strip(), self.query.strip()
        connections = service.connections
        fields = connections.infer_schema(self.connection, table=table or None, query=query or None)
        ref = connections.reference(self.connection)
        if table or query:
            settings = {k: v for k, v in ref.settings.items() if k not in ("table", "query")}
            settings.update({"table": table} if table else {"query": query})
            ref = ref.model_copy(update={"settings": settings})
        return fields, ref

    def _read_http(self) -> Read:
        url = self.url.strip()
        settings: dict[str, JsonValue] = {"url": url}
        if records_path := self.records_path.strip():
            settings["records_path"] = records_path
        ref = ConnectorRef(kind="http", settings=settings)
        return infer_schema_from_connector(ref, what=url), ref
