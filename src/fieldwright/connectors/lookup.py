"""Keys looked up in a SQL table or query, or an HTTP endpoint, a batch at a time (enrich).

A pipeline's enrich step with ``mode: lookup`` does not read its second source
whole: it asks it for the keys of a batch of records. `SqlLookup` sends one
query per batch, ``WHERE (k1, k2) IN ((?, ?), …)`` with every key a bound
parameter (a query's rows are filtered as a sub-select); `HttpLookup` sends one
GET per key into a URL template (``https://host/employees/{user_id}``) or one
per batch to an endpoint taking the keys comma-separated in a query parameter.

`fetch(keys)` answers the records found (the caller matches them back to its
keys) and, for HTTP, the keys whose request failed with the reason: the HTTP
status and the URL, never a secret (the credential travels in a header or a
query parameter the message does not show). A 404 answers no record. Retries,
backoff and the rate cap are the HTTP connector's (`_httpclient`); `max_requests`
bounds the requests of a run: past it `fetch` raises `SourceUnreadable`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from sqlalchemy import String, Table, cast, column, literal_column, select, text, tuple_
from sqlalchemy import exc as sa_exc

from fieldwright.connectors._httpclient import ApiAuth, HttpClient, RetryPolicy
from fieldwright.connectors._secrets import mask
from fieldwright.connectors._sqlcommon import Database
from fieldwright.connectors._sqlvalues import check_identifier, json_value
from fieldwright.connectors.credentials import Credentials
from fieldwright.connectors.errors import ConnectorError, SourceUnreadable
from fieldwright.connectors.registry import (
    _HTTP_COMMON,
    _credentials,
    _http_common,
    _Settings,
    _sql_url,
)
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.records import Record

__all__ = [
    "BudgetSpent",
    "HttpLookup",
    "Lookup",
    "SqlLookup",
    "key_text",
    "open_connector_lookup",
]

#: Found records, and the reason per key (its index in the batch) whose lookup failed.
Lookup = tuple[list[Record], dict[int, str]]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class BudgetSpent(SourceUnreadable):
    """An HTTP lookup sent the requests `max_requests` allows: the run stops."""


def key_text(value: Any) -> str:
    """A key as text in a URL or a query parameter: 1.0 is "1", true is "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_python(value: Any, kind: type[Any] | None) -> Any:
    """A key value bound to a column of Python type `kind`; None when it cannot be one."""
    if kind is None or value is None:
        return value
    try:
        if kind is str:
            return key_text(value)
        if kind is int and not isinstance(value, bool):
            number = Decimal(key_text(value))
            return int(number) if number == number.to_integral_value() else None
        if kind in (Decimal, float) and not isinstance(value, bool):
            number = Decimal(key_text(value))
            return number if kind is Decimal else float(number)
    except (InvalidOperation, ValueError):
        return None
    return value


def _sample_type(value: Any) -> type[Any] | None:
    for kind in (bool, int, str, Decimal, float):
        if isinstance(value, kind):
            return None if kind is bool else kind
    return None


def _python_type(col: Any) -> type[Any] | None:
    try:
        kind: type[Any] = col.type.python_type
    except NotImplementedError:
        return None
    return kind


class SqlLookup:
    """Rows of a table (or a query) whose key columns hold one of a batch's keys."""

    def __init__(
        self,
        url: str,
        *,
        columns: Sequence[str],
        table: str | None = None,
        query: str | None = None,
        params: Mapping[str, Any] | None = None,
        schema: str | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        if (table is None) == (query is None):
            raise SourceUnreadable("a SQL lookup needs a table or a query (one of them)")
        self._database = Database(
            url, schema=schema, credentials=credentials, error=SourceUnreadable
        )
        self.name = (
            self._database.where(table) if table is not None else f"{self._database.display} query"
        )
        sample: dict[str, Any] = {}
        try:
            for name in columns:
                check_identifier(name, "key column", SourceUnreadable, self.name)
            with self._database.connect() as connection:
                if table is not None:
                    reflected: Table = self._database.reflect(connection, table)
                    present = list(reflected.columns.keys())
                    self._from: Any = reflected
                    self._select: Any = select(reflected)
                else:
                    sub = text(query or "").bindparams(**dict(params or {}))
                    self._from = sub.columns(*[column(name) for name in columns]).subquery(
                        "fw_enrich"
                    )
                    self._select = select(literal_column("*")).select_from(self._from)
                    try:
                        probe = connection.execute(self._select.limit(1))
                        present = list(probe.keys())
                        first = probe.first()
                        sample = dict(zip(present, first, strict=True)) if first else {}
                    except sa_exc.SQLAlchemyError as exc:
                        self._database.fail(exc, "running the query")
            missing = [name for name in columns if name not in present]
            if missing:
                raise SourceUnreadable(
                    f"no key column {', '.join(map(repr, missing))}; its columns: "
                    f"{', '.join(present) or '(none)'}",
                    target=self.name,
                )
        except BaseException:
            self._database.dispose()
            raise
        self.columns: list[Any] = [self._from.c[name] for name in columns]
        if table is not None:
            self._types = [_python_type(col) for col in self.columns]
        else:
            # A query's columns have no declared types: a key column is bound as the type
            # its first row holds; without one (no rows, a null) it is compared as text.
            self._types = [_sample_type(sample.get(name)) for name in columns]
            self.columns = [
                col if kind is not None else cast(col, String)
                for col, kind in zip(self.columns, self._types, strict=True)
            ]
            self._types = [kind or str for kind in self._types]
        #: Queries sent so far.
        self.queries = 0

    def fetch(self, keys: Sequence[tuple[Any, ...]]) -> Lookup:
        bound: list[tuple[Any, ...]] = []
        for key in keys:
            values = tuple(_as_python(v, t) for v, t in zip(key, self._types, strict=True))
            if None not in values:
                bound.append(values)
        if not bound:
            return [], {}
        if len(self.columns) == 1:
            condition = self.columns[0].in_([values[0] for values in bound])
        else:
            condition = tuple_(*self.columns).in_(bound)
        self.queries += 1
        with self._database.connect() as connection:
            try:
                result = connection.execute(self._select.where(condition))
                names = list(result.keys())
                return [
                    {name: json_value(v) for name, v in zip(names, row, strict=True)}
                    for row in result
                ], {}
            except sa_exc.SQLAlchemyError as exc:
                self._database.fail(exc, "looking keys up", None)

    def close(self) -> None:
        self._database.dispose()


def _at(body: Any, path: str) -> tuple[bool, Any]:
    """The value at a simple JSONPath (`$`, `$.data.items`, `data.items`)."""
    value = body
    rest = path.strip()
    rest = rest[1:] if rest.startswith("$") else rest
    for part in [p for p in rest.split(".") if p]:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


class HttpLookup:
    """Records of an HTTP endpoint by key: a URL template per key, or a batch parameter."""

    def __init__(
        self,
        url: str,
        *,
        keys: Sequence[str],
        records_path: str = "$",
        batch_param: str | None = None,
        max_requests: int | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: ApiAuth | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        requests_per_second: float | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.keys = list(keys)
        self.records_path = records_path
        self.batch_param = batch_param
        self.max_requests = max_requests
        self.params = dict(params or {})
        names = _PLACEHOLDER.findall(url)
        if batch_param is None and sorted(set(names)) != sorted(set(self.keys)):
            raise SourceUnreadable(
                f"the URL template names {', '.join(names) or 'no key'}; its keys are "
                f"{', '.join(self.keys)}: write each as {{name}}",
                target=mask(url),
            )
        self._client = HttpClient(
            error=SourceUnreadable,
            auth=auth,
            credentials=credentials,
            headers=headers,
            retry=retry,
            requests_per_second=requests_per_second,
            timeout=timeout,
            transport=transport,
        )

    @property
    def name(self) -> str:
        return mask(self.url)

    @property
    def requests(self) -> int:
        return self._client.requests

    def _budget(self) -> None:
        if self.max_requests is not None and self._client.requests >= self.max_requests:
            raise BudgetSpent(
                f"the run sent the {self.max_requests} requests max_requests allows; raise "
                "max_requests, or look keys up in batches (batch_param)",
                target=self.name,
            )

    def _records(self, response: httpx.Response, url: str) -> list[Record]:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceUnreadable(
                f"HTTP {response.status_code}: the response is not JSON ({exc})", target=mask(url)
            ) from exc
        found, value = _at(body, self.records_path)
        if found and value is None:
            return []
        if found and isinstance(value, dict):
            return [value]
        if found and isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
        raise SourceUnreadable(
            f"HTTP {response.status_code}: no record at {self.records_path} in the response; "
            "set records_path to where the record is",
            target=mask(url),
        )

    def _get(self, url: str, params: Mapping[str, Any], what: str) -> list[Record]:
        self._budget()
        response = self._client.request(
            "GET", url, what=what, params=params, accept=frozenset({404})
        )
        if response.status_code == 404:
            return []
        return self._records(response, url)

    def _url(self, by_name: dict[str, Any]) -> str:
        """The URL template with each key's text, percent-encoded, in its placeholder."""
        return _PLACEHOLDER.sub(lambda m: quote(key_text(by_name[m.group(1)]), safe=""), self.url)

    def fetch(self, keys: Sequence[tuple[Any, ...]]) -> Lookup:
        found: list[Record] = []
        failed: dict[int, str] = {}
        if self.batch_param is not None:
            values = ",".join(key_text(key[0]) for key in keys)
            try:
                found = self._get(
                    self.url, {**self.params, self.batch_param: values}, f"{len(keys)} keys"
                )
            except BudgetSpent:
                raise
            except SourceUnreadable as exc:
                failed = dict.fromkeys(range(len(keys)), str(exc))
            return found, failed
        for index, key in enumerate(keys):
            url = self._url(dict(zip(self.keys, key, strict=True)))
            try:
                found += self._get(url, self.params, "lookup")
            except BudgetSpent:
                raise
            except SourceUnreadable as exc:
                failed[index] = str(exc)
        return found, failed

    def close(self) -> None:
        self._client.close()


def open_connector_lookup(
    ref: ConnectorRef,
    *,
    keys: Sequence[str],
    records_path: str | None = None,
    batch_param: str | None = None,
    max_requests: int | None = None,
    credentials: Credentials | None = None,
) -> SqlLookup | HttpLookup:
    """The lookup a SQL or HTTP reference describes; `keys` are the source's key names
    (a SQL lookup's key columns, an HTTP URL template's placeholders)."""
    settings = _Settings(ref, "enrich source")
    if ref.kind == "sql":
        settings.allow("url", "table", "query", "params", "schema", "batch_size")
        return SqlLookup(
            _sql_url(settings),
            columns=keys,
            table=settings.get("table", "str"),
            query=settings.get("query", "str"),
            params=settings.get("params", "dict"),
            schema=settings.get("schema", "str"),
            credentials=_credentials(ref, credentials),
        )
    if ref.kind == "http":
        settings.allow(*_HTTP_COMMON, "params")
        return HttpLookup(
            settings.get("url", "str", required=True),
            keys=keys,
            records_path=records_path or "$",
            batch_param=batch_param,
            max_requests=max_requests,
            params=settings.get("params", "dict"),
            **_http_common(settings, _credentials(ref, credentials)),
        )
    raise ConnectorError(f"a {ref.kind} source cannot look keys up; read it whole (mode index)")
