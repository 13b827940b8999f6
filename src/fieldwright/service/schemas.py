"""Record schemas for the designer: inferred from a sample file, read from a JSON Schema
or reflected from a database table.

The desktop app may not import the connectors; it asks here. Connector errors
become `DataError` with a message naming the file or the database.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from fieldwright.connectors import (
    ConnectorError,
    infer_schema,
    open_source,
    schema_from_json_schema,
)
from fieldwright.domain import ConnectorRef, SchemaField
from fieldwright.domain.records import RecordSource
from fieldwright.service.errors import DataError

__all__ = [
    "infer_schema_from_connector",
    "infer_schema_from_file",
    "schema_from_database_table",
    "schema_from_json_schema_file",
]

PathLike = str | os.PathLike[str]


def _inferred(source: RecordSource, what: str, limit: int) -> list[SchemaField]:
    """The schema of the first `limit` records of `source` (closed after); `what` names it."""
    try:
        items = list(itertools.islice(iter(source), limit))
    finally:
        source.close()
    readable = [item for item in items if item.record is not None]
    if not readable:
        reason = next((item.error for item in items if item.error), None)
        detail = f": {reason}" if reason else ""
        raise DataError(f"{what}: no readable record to infer a schema from{detail}")
    return infer_schema(readable, max_records=limit)


def infer_schema_from_file(path: PathLike, *, limit: int = 1000) -> list[SchemaField]:
    """The fields the first `limit` records of a sample file (CSV, JSON, NDJSON, XLSX) show."""
    target = Path(path)
    try:
        return _inferred(open_source(target), str(target), limit)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc


def infer_schema_from_connector(
    ref: ConnectorRef, *, what: str, limit: int = 1000
) -> list[SchemaField]:
    """The fields a connector's records show: a SQL table's columns (reflected, typed, with
    NOT NULL as required), else the first `limit` records of its query, API or file.

    The credential is read from the keyring; `what` names the connection in errors.
    """
    # The keyring, SQLAlchemy and httpx are imported when a connection is read, not before.
    from fieldwright.connectors import Credentials, open_connector_source, reflect_schema

    credentials = Credentials.from_keyring(ref.credential) if ref.credential else None
    settings = ref.settings
    table, url = settings.get("table"), settings.get("url")
    try:
        if ref.kind == "sql" and isinstance(table, str) and isinstance(url, str):
            schema = settings.get("schema")
            return reflect_schema(
                url,
                table,
                schema=schema if isinstance(schema, str) else None,
                credentials=credentials,
            )
        return _inferred(open_connector_source(ref, credentials=credentials), what, limit)
    except ConnectorError as exc:
        raise DataError(f"{what}: {exc}") from exc


def schema_from_json_schema_file(path: PathLike) -> list[SchemaField]:
    """The fields of the records a JSON Schema file describes."""
    target = Path(path)
    try:
        document = json.loads(target.read_bytes())
    except OSError as exc:
        raise DataError(f"{target}: cannot read file: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{target}: not a JSON Schema (invalid JSON: {exc})") from exc
    try:
        return schema_from_json_schema(document)
    except ConnectorError as exc:
        raise DataError(f"{target}: {exc}") from exc


def schema_from_database_table(
    url: str, table: str, password: str | None = None, *, schema: str | None = None
) -> list[SchemaField]:
    """The fields of a table, one per column (SQLAlchemy URL, e.g. ``sqlite:///data.db``).

    `password` is used for this connection only (never stored; ignored for SQLite);
    errors name the database with its password hidden.
    """
    if not url.strip():
        raise DataError("give a database URL, e.g. postgresql+psycopg://user@host/dbname")
    if not table.strip():
        raise DataError("give the name of the table to read the columns of")
    # A SQLite file has no password; one typed anyway would only break the URL.
    is_sqlite = url.strip().lower().startswith("sqlite")
    # SQLAlchemy is imported when a table is read, not when the app starts.
    from fieldwright.connectors import Credentials, reflect_schema

    credentials = Credentials.from_secret(password) if password and not is_sqlite else None
    try:
        return reflect_schema(url.strip(), table.strip(), schema=schema, credentials=credentials)
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
