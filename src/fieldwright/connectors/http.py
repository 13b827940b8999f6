"""JSON HTTP APIs as record sources and sinks (httpx), with pagination, auth, rate limits, retries.

`HttpSource` GETs pages of records: page numbers, offset/limit, a cursor
from the response, or the ``Link: <…>; rel="next"`` header. It stops with a
message saying why when the API repeats a page, after `max_pages` pages
(default 10,000) or after `run_timeout` seconds (default 3,600): see
`_paging`. The records of a page sit at `records_path` in the JSON body (a
dotted path; ``""`` for a top-level array). Each record's position is its
page (1-based, in the order fetched) and its index in that page; an element
that is not a JSON object becomes an unreadable item, and the run goes on.

`HttpSink` sends batches as a JSON array (or ``{"<wrap>": [...]}``) with a
deterministic idempotency key per batch (sha256 of the run id and the batch
number), so a retried batch carries the same key and the API can drop the
duplicate. Commit sends nothing more. Abort only stops: an API cannot take
back batches it already accepted; `accepted_records` (and the run's counts)
say how many were sent.

Secrets come from a `Credentials` object (the OS keyring), never from the
settings; retries and rate limits are those of `RetryPolicy` and
`requests_per_second`, with `sleep` and `clock` injectable for tests.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

import httpx
import orjson

from fieldwright.connectors._httpclient import ApiAuth, HttpClient, RetryPolicy
from fieldwright.connectors._paging import (
    DEFAULT_MAX_PAGES,
    DEFAULT_RUN_TIMEOUT,
    CursorPagination,
    LinkPagination,
    OffsetPagination,
    PageGuard,
    PageNumberPagination,
    Pagination,
)
from fieldwright.connectors._secrets import mask
from fieldwright.connectors.credentials import Credentials
from fieldwright.connectors.errors import ConnectorError, SinkError, SourceUnreadable
from fieldwright.domain.records import Position, Record, SourceItem

__all__ = [
    "DEFAULT_MAX_PAGES",
    "DEFAULT_RUN_TIMEOUT",
    "ApiAuth",
    "CursorPagination",
    "HttpSink",
    "HttpSource",
    "LinkPagination",
    "OffsetPagination",
    "PageNumberPagination",
    "Pagination",
    "RetryPolicy",
]


_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _at(body: Any, path: str) -> tuple[bool, Any]:
    """The value at a dotted path (found, value)."""
    value = body
    for part in path.split(".") if path else []:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), "null" if value is None else "a number")


class HttpSource:
    """Records from a JSON API, page after page (see the module)."""

    def __init__(
        self,
        url: str,
        *,
        records_path: str = "results",
        pagination: Pagination | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: ApiAuth | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        requests_per_second: float | None = None,
        timeout: float = 30.0,
        max_pages: int | None = DEFAULT_MAX_PAGES,
        run_timeout: float | None = DEFAULT_RUN_TIMEOUT,
        detect_repeats: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.records_path = records_path
        self.pagination = pagination
        self.params = dict(params or {})
        self.max_pages = DEFAULT_MAX_PAGES if max_pages is None else max_pages
        self.run_timeout = DEFAULT_RUN_TIMEOUT if run_timeout is None else run_timeout
        self.detect_repeats = detect_repeats
        if self.max_pages < 1:
            raise SourceUnreadable(
                f"max_pages must be at least 1, not {max_pages}", target=mask(url)
            )
        if self.run_timeout <= 0:
            raise SourceUnreadable(
                f"run_timeout must be positive, not {run_timeout:g} s", target=mask(url)
            )
        self._clock = clock
        self._client = HttpClient(
            error=SourceUnreadable,
            auth=auth,
            credentials=credentials,
            headers=headers,
            retry=retry,
            requests_per_second=requests_per_second,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
            transport=transport,
        )
        self.pages = 0

    @property
    def name(self) -> str:
        return mask(self.url)

    @property
    def requests(self) -> int:
        return self._client.requests

    def test_connection(self) -> None:
        """Fetch the first page once; a clear error if the API cannot be reached or refuses us."""
        response = self._client.request("GET", self.url, what="first page", params=self.params)
        self._records(response, 1)

    def _records(self, response: httpx.Response, page: int) -> list[Any]:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceUnreadable(
                f"page {page}: the response is not JSON ({exc}); check the URL",
                target=self.name,
            ) from exc
        found, records = _at(body, self.records_path)
        if not found or not isinstance(records, list):
            shown = repr(self.records_path) if self.records_path else "the top level"
            keys = ", ".join(map(str, body)) if isinstance(body, dict) else _kind(body)
            raise SourceUnreadable(
                f"page {page}: no array of records at {shown} (the response has: {keys}); "
                "set records_path to where the records are",
                target=self.name,
            )
        self._body = body
        return records

    def _items(self, records: list[Any], page: int) -> Iterator[SourceItem]:
        for index, record in enumerate(records):
            position = Position(page=page, index=index)
            if isinstance(record, dict):
                yield SourceItem(position, record)
            else:
                raw = orjson.dumps(record).decode()
                yield SourceItem(position, None, f"the item is {_kind(record)}, not an object", raw)

    def _requests(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The URL and query of each page to fetch; reads `self._body`/`_last` of the previous."""
        paging = self.pagination
        if paging is None:
            yield self.url, self.params
        elif isinstance(paging, PageNumberPagination):
            number = paging.start
            while True:
                query = {**self.params, paging.page_param: number}
                if paging.size_param:
                    query[paging.size_param] = paging.size
                yield self.url, query
                if self._count < paging.size:
                    return
                number += 1
        elif isinstance(paging, OffsetPagination):
            offset = paging.start
            while True:
                yield (
                    self.url,
                    {**self.params, paging.offset_param: offset, paging.limit_param: paging.limit},
                )
                if self._count < paging.limit:
                    return
                offset += self._count
        elif isinstance(paging, CursorPagination):
            query = dict(self.params)
            seen: set[str] = set()
            while True:
                yield self.url, query
                _, cursor = _at(self._body, paging.cursor_path)
                if cursor in (None, "") or not isinstance(cursor, str | int):
                    return
                if str(cursor) in seen:
                    raise SourceUnreadable(
                        f"page {self.pages}: the API returned cursor {cursor!r} again; "
                        "stopping so the run does not loop forever",
                        target=self.name,
                    )
                seen.add(str(cursor))
                query = {**self.params, paging.cursor_param: cursor}
        else:
            url, query = self.url, dict(self.params)
            visited = set()
            while True:
                yield url, query
                visited.add(str(self._last.url))
                link = self._last.links.get("next", {}).get("url")
                if not link:
                    return
                url, query = str(self._last.url.join(link)), {}
                if url in visited:
                    raise SourceUnreadable(
                        f"page {self.pages}: the Link header points back to {mask(url)}",
                        target=self.name,
                    )

    def __iter__(self) -> Iterator[SourceItem]:
        """The records of every page; stops with `SourceUnreadable` saying why when the API
        repeats pages or a limit (max_pages, run_timeout) is reached."""
        self.pages = 0
        self._count = 0
        guard = PageGuard(
            self.pagination,
            max_pages=self.max_pages,
            run_timeout=self.run_timeout,
            detect_repeats=self.detect_repeats,
            clock=self._clock,
        )
        for url, query in self._requests():
            stop = guard.before_page(self.pages + 1)
            if stop is not None:
                raise SourceUnreadable(stop, target=self.name)
            self.pages += 1
            self._last = self._client.request("GET", url, what=f"page {self.pages}", params=query)
            records = self._records(self._last, self.pages)
            self._count = len(records)
            stop = guard.after_page(self.pages, records)
            if stop is not None:
                raise SourceUnreadable(stop, target=self.name)
            yield from self._items(records, self.pages)

    def close(self) -> None:
        self._client.close()


#: Answers to OPTIONS that still prove the API is there and did not refuse the credentials.
_REACHABLE = frozenset(range(400, 429)) - {401, 403, 407}


def idempotency_key(run_id: str, batch: int) -> str:
    """The same key for the same batch of the same run, however often it is sent."""
    return hashlib.sha256(f"{run_id}:{batch}".encode()).hexdigest()


class HttpSink:
    """Sends records to a JSON API in batches, each with its idempotency key (see the module)."""

    def __init__(
        self,
        url: str,
        *,
        method: Literal["POST", "PUT", "PATCH"] = "POST",
        batch_size: int = 100,
        wrap: str | None = None,
        idempotency_header: str | None = "Idempotency-Key",
        run_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: ApiAuth | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        requests_per_second: float | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if batch_size < 1:
            raise SinkError(f"batch_size must be at least 1, not {batch_size}", target=mask(url))
        self.url = url
        self.method = method
        self.batch_size = batch_size
        self.wrap = wrap
        self.idempotency_header = idempotency_header
        self.run_id = run_id or uuid.uuid4().hex
        self.batches = 0
        #: Records the API accepted; an aborted run cannot take them back.
        self.accepted_records = 0
        self._state = "open"
        self._client = HttpClient(
            error=SinkError,
            auth=auth,
            credentials=credentials,
            headers=headers,
            retry=retry,
            requests_per_second=requests_per_second,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
        )

    @property
    def name(self) -> str:
        return mask(self.url)

    @property
    def requests(self) -> int:
        return self._client.requests

    def test_connection(self) -> None:
        """Send OPTIONS: any answer but an auth refusal or a server error means reachable."""
        self._client.request("OPTIONS", self.url, what="connection test", accept=_REACHABLE)

    @property
    def kept_after_abort(self) -> int:
        """Records the API accepted; an abort cannot un-send them."""
        return self.accepted_records

    def write_batch(self, records: Sequence[Record]) -> None:
        if self._state != "open":
            raise ConnectorError(
                f"cannot write to an HTTP sink that is already {self._state}; open a new sink",
                target=self.name,
            )
        for start in range(0, len(records), self.batch_size):
            chunk = list(records[start : start + self.batch_size])
            self.batches += 1
            headers = {}
            if self.idempotency_header:
                headers[self.idempotency_header] = idempotency_key(self.run_id, self.batches)
            body: Any = {self.wrap: chunk} if self.wrap else chunk
            try:
                self._client.request(
                    self.method, self.url, what=f"batch {self.batches}", json=body, headers=headers
                )
            except SinkError as exc:
                raise SinkError(
                    f"{exc}; {self.accepted_records} records in {self.batches - 1} earlier "
                    "batches were accepted by the API and stay there",
                ) from exc
            self.accepted_records += len(chunk)

    def commit(self) -> None:
        """Nothing is left to send: every batch was sent when written."""
        self._state = "committed"
        self._client.close()

    def abort(self) -> None:
        """Stop sending; batches the API already accepted stay accepted."""
        if self._state == "open":
            self._state = "aborted"
            self._client.close()
