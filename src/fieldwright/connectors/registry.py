"""Open the source or sink a `ConnectorRef` describes: files, SQL tables or HTTP APIs.

A reference's ``kind`` picks the connector and its ``settings`` are checked
(unknown names, wrong types, secrets where a credential belongs) before
anything is opened. Settings by kind:

* ``csv``, ``tsv``, ``ndjson`` (``jsonl``), ``json``, ``xlsx`` (``excel``), ``parquet``:
  ``path`` plus the file connector's own settings (``delimiter``, ``sheet`` …).
* ``sql``: ``url`` (no password in it: the password is the credential), then
  ``table`` or ``query`` (+ ``params``), ``schema``, ``batch_size``; a sink
  also takes ``mode`` (insert | upsert), ``key``, ``staging``, ``staging_table``.
* ``http``: ``url``, ``params``, ``headers``, ``auth``
  (``{"type": "bearer" | "basic" | "api_key", "name", "location", "username"}``),
  ``retry`` (``{"max_attempts", "base_delay", "max_delay", "max_retry_after"}``),
  ``requests_per_second``, ``timeout``; a source also takes ``records_path``,
  ``max_pages`` (default 10,000), ``run_timeout`` (seconds, default 3,600),
  ``detect_repeats`` (default true) and ``pagination``
  (``{"type": "page" | "offset" | "cursor" | "link", …}`` with the fields of the
  pagination classes); a sink takes ``method``,
  ``batch_size``, ``wrap`` and ``idempotency_header``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from fieldwright.connectors.errors import ConnectorError, UnsupportedFormat
from fieldwright.connectors.files import open_sink, open_source
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.records import RecordSink, RecordSource
from fieldwright.domain.secrets_scan import describe_findings, find_secrets

if TYPE_CHECKING:  # imported where used: a file run loads neither SQLAlchemy nor keyring
    from fieldwright.connectors.credentials import Credentials

__all__ = [
    "CONNECTOR_KINDS",
    "fail_staged_run",
    "open_connector_sink",
    "open_connector_source",
    "staging_backlog",
]

_FILE_KINDS = frozenset({"csv", "tsv", "ndjson", "json", "xlsx", "parquet"})
_FILE_ALIASES = {"jsonl": "ndjson", "excel": "xlsx"}
#: Every connector kind a reference may name.
CONNECTOR_KINDS = ("csv", "tsv", "ndjson", "json", "xlsx", "parquet", "sql", "http")
_PAGINATION = ("page", "offset", "cursor", "link")
_TYPES: dict[str, tuple[type[Any], ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "dict": (dict,),
    "list": (list,),
}


class _Settings:
    """Checked access to a reference's settings; every message names the connector."""

    def __init__(self, ref: ConnectorRef, role: str) -> None:
        self.kind = ref.kind
        self.what = f"{ref.kind} {role}" + (f" {ref.connection!r}" if ref.connection else "")
        self.values: dict[str, Any] = dict(ref.settings)
        secrets = find_secrets(self.values)
        if secrets:
            self.fail(
                f"the setting {describe_findings(secrets)} holds a secret; store it as the "
                "connection's credential (the OS keyring) and use 'auth' to send it"
            )

    def fail(self, message: str) -> NoReturn:
        raise ConnectorError(message, target=self.what)

    def allow(self, *names: str) -> None:
        unknown = sorted(set(self.values) - set(names))
        if unknown:
            listed = ", ".join(map(repr, unknown))
            self.fail(
                f"unknown setting{'s' if len(unknown) > 1 else ''} {listed}; "
                f"valid settings: {', '.join(sorted(names))}"
            )

    def get(self, name: str, kind: str, *, required: bool = False, default: Any = None) -> Any:
        if name not in self.values or self.values[name] is None:
            if required:
                self.fail(f"the setting {name!r} is required")
            return default
        value = self.values[name]
        types = _TYPES[kind]
        if not isinstance(value, types) or (kind in ("int", "float") and isinstance(value, bool)):
            self.fail(f"the setting {name!r} must be a {kind}, not {type(value).__name__}")
        return value

    def build(self, factory: Callable[..., Any], name: str, data: Mapping[str, Any]) -> Any:
        fields = {field.name for field in dataclasses.fields(factory)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - fields)
        if unknown:
            self.fail(
                f"unknown {name} setting{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(repr, unknown))}; valid: {', '.join(sorted(fields)) or '(none)'}"
            )
        try:
            return factory(**data)
        except TypeError as exc:
            self.fail(f"the {name} settings are not valid ({exc})")


def _credentials(ref: ConnectorRef, given: Credentials | None) -> Credentials | None:
    if given is not None or ref.credential is None:
        return given
    from fieldwright.connectors.credentials import Credentials  # the keyring: only when needed

    return Credentials.from_keyring(ref.credential)


def _file_settings(settings: _Settings) -> tuple[str, Path, dict[str, Any]]:
    kind = _FILE_ALIASES.get(settings.kind, settings.kind)
    path = Path(settings.get("path", "str", required=True))
    rest = {name: value for name, value in settings.values.items() if name != "path"}
    return kind, path, rest


def _sql_url(settings: _Settings) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = settings.get("url", "str", required=True)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        settings.fail("the setting 'url' is not a database URL (is the port a number?)")
    if parsed.password:
        settings.fail(
            "the database URL holds a password; remove it from the URL and store it as the "
            "connection's credential"
        )
    return str(url)


# The HTTP and SQL connectors (httpx, SQLAlchemy's dialects) are imported where a reference
# names them, not with this module: opening a CSV file, or starting the desktop app, does
# not pay for them.


def _http_common(settings: _Settings, credentials: Credentials | None) -> dict[str, Any]:
    from fieldwright.connectors.http import ApiAuth, RetryPolicy

    headers = settings.get("headers", "dict", default={})
    auth_data = dict(settings.get("auth", "dict", default={}))
    if "type" in auth_data:
        auth_data["kind"] = auth_data.pop("type")
    retry = settings.get("retry", "dict")
    return {
        "headers": {str(name): str(value) for name, value in headers.items()},
        "auth": settings.build(ApiAuth, "auth", auth_data) if auth_data else None,
        "credentials": credentials,
        "retry": settings.build(RetryPolicy, "retry", retry) if retry else None,
        "requests_per_second": settings.get("requests_per_second", "float"),
        "timeout": settings.get("timeout", "float", default=30.0),
    }


_HTTP_COMMON = ("url", "headers", "auth", "retry", "requests_per_second", "timeout")


def _pagination(settings: _Settings) -> Any:
    from fieldwright.connectors.http import (
        CursorPagination,
        LinkPagination,
        OffsetPagination,
        PageNumberPagination,
    )

    data = dict(settings.get("pagination", "dict", default={}))
    if not data:
        return None
    kind = data.pop("type", None)
    if kind not in _PAGINATION:
        settings.fail(f"pagination type must be one of {', '.join(_PAGINATION)}, not {kind!r}")
    kinds: dict[str, type[Any]] = {
        "page": PageNumberPagination,
        "offset": OffsetPagination,
        "cursor": CursorPagination,
        "link": LinkPagination,
    }
    return settings.build(kinds[kind], f"{kind} pagination", data)


def _method(settings: _Settings) -> Literal["POST", "PUT", "PATCH"]:
    method = str(settings.get("method", "str", default="POST")).upper()
    methods: dict[str, Literal["POST", "PUT", "PATCH"]] = {
        "POST": "POST",
        "PUT": "PUT",
        "PATCH": "PATCH",
    }
    if method not in methods:
        settings.fail(f"the setting 'method' must be POST, PUT or PATCH, not {method!r}")
    return methods[method]


def open_connector_source(
    ref: ConnectorRef, *, credentials: Credentials | None = None
) -> RecordSource:
    """The record source `ref` describes; `credentials` default to the reference's keyring entry."""
    settings = _Settings(ref, "source")
    kind = _FILE_ALIASES.get(ref.kind, ref.kind)
    if kind in _FILE_KINDS:
        name, path, rest = _file_settings(settings)
        return open_source(path, name, **rest)
    if kind == "sql":
        from fieldwright.connectors.sql import SqlSource

        settings.allow("url", "table", "query", "params", "schema", "batch_size")
        return SqlSource(
            _sql_url(settings),
            table=settings.get("table", "str"),
            query=settings.get("query", "str"),
            params=settings.get("params", "dict"),
            schema=settings.get("schema", "str"),
            batch_size=settings.get("batch_size", "int", default=1000),
            credentials=_credentials(ref, credentials),
        )
    if kind == "http":
        from fieldwright.connectors.http import HttpSource

        settings.allow(
            *_HTTP_COMMON,
            "records_path",
            "pagination",
            "params",
            "max_pages",
            "run_timeout",
            "detect_repeats",
        )
        return HttpSource(
            settings.get("url", "str", required=True),
            records_path=settings.get("records_path", "str", default="results"),
            pagination=_pagination(settings),
            params=settings.get("params", "dict"),
            max_pages=settings.get("max_pages", "int"),
            run_timeout=settings.get("run_timeout", "float"),
            detect_repeats=settings.get("detect_repeats", "bool", default=True),
            **_http_common(settings, _credentials(ref, credentials)),
        )
    raise UnsupportedFormat(
        f"unknown connector kind {ref.kind!r}; kinds: {', '.join(CONNECTOR_KINDS)}"
    )


def fail_staged_run(ref: ConnectorRef, run_id: str, credentials: Credentials | None = None) -> int:
    """For a SQL target written through a staging table: mark the rows the stopped run
    `run_id` left pending failed (never moved later); how many. 0 for other targets."""
    if _FILE_ALIASES.get(ref.kind, ref.kind) != "sql":
        return 0
    settings = _Settings(ref, "sink")
    if not settings.get("staging", "bool", default=False) and not settings.get(
        "staging_table", "str"
    ):
        return 0
    from fieldwright.connectors.sql import fail_staged_rows

    return fail_staged_rows(
        _sql_url(settings),
        settings.get("table", "str", required=True),
        run_id,
        staging_table=settings.get("staging_table", "str"),
        schema=settings.get("schema", "str"),
        credentials=_credentials(ref, credentials),
    )


def staging_backlog(
    ref: ConnectorRef, credentials: Credentials | None = None
) -> dict[str, tuple[int, datetime | None]] | None:
    """For a SQL target written through a staging table: its rows per status with the
    oldest one's time (the health check); None for other targets."""
    if _FILE_ALIASES.get(ref.kind, ref.kind) != "sql":
        return None
    settings = _Settings(ref, "sink")
    if not settings.get("staging", "bool", default=False) and not settings.get(
        "staging_table", "str"
    ):
        return None
    from fieldwright.connectors.sql import staged_row_counts

    return staged_row_counts(
        _sql_url(settings),
        settings.get("table", "str", required=True),
        staging_table=settings.get("staging_table", "str"),
        schema=settings.get("schema", "str"),
        credentials=_credentials(ref, credentials),
    )


def open_connector_sink(
    ref: ConnectorRef,
    *,
    columns: list[str] | None = None,
    credentials: Credentials | None = None,
    run_id: str | None = None,
) -> RecordSink:
    """The record sink `ref` describes; `columns` are for tabular files, `run_id` keys batches."""
    settings = _Settings(ref, "sink")
    kind = _FILE_ALIASES.get(ref.kind, ref.kind)
    if kind in _FILE_KINDS:
        name, path, rest = _file_settings(settings)
        return open_sink(path, name, columns=columns, **rest)
    if kind == "sql":
        from fieldwright.connectors.sql import SqlSink

        settings.allow(
            "url", "table", "mode", "key", "staging", "staging_table", "schema", "batch_size"
        )
        mode = settings.get("mode", "str", default="insert")
        key = settings.get("key", "list", default=[])
        if isinstance(key, list) and not all(isinstance(name, str) for name in key):
            settings.fail("the setting 'key' must be a list of column names")
        return SqlSink(
            _sql_url(settings),
            settings.get("table", "str", required=True),
            mode=mode,
            key=key,
            staging=settings.get("staging", "bool", default=False),
            staging_table=settings.get("staging_table", "str"),
            schema=settings.get("schema", "str"),
            batch_size=settings.get("batch_size", "int", default=1000),
            run_id=run_id,
            credentials=_credentials(ref, credentials),
        )
    if kind == "http":
        from fieldwright.connectors.http import HttpSink

        settings.allow(*_HTTP_COMMON, "method", "batch_size", "wrap", "idempotency_header")
        return HttpSink(
            settings.get("url", "str", required=True),
            method=_method(settings),
            batch_size=settings.get("batch_size", "int", default=100),
            wrap=settings.get("wrap", "str"),
            idempotency_header=settings.get("idempotency_header", "str", default="Idempotency-Key"),
            run_id=run_id,
            **_http_common(settings, _credentials(ref, credentials)),
        )
    raise UnsupportedFormat(
        f"unknown connector kind {ref.kind!r}; kinds: {', '.join(CONNECTOR_KINDS)}"
    )
