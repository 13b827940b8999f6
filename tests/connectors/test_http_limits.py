"""Issue 16 item 8: HTTP pagination is bounded. A flaky API (httpx MockTransport) that gives a
new cursor every page, always the same full page, ignores the offset, or a new Link every page
stops with a message saying why; max_pages and run_timeout default and are connection settings."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import httpx
import pytest

from fieldwright.connectors import ConnectorError, SourceUnreadable, open_connector_source
from fieldwright.connectors.http import (
    DEFAULT_MAX_PAGES,
    DEFAULT_RUN_TIMEOUT,
    CursorPagination,
    HttpSource,
    LinkPagination,
    OffsetPagination,
    PageNumberPagination,
    Pagination,
)
from fieldwright.domain import ConnectorRef

BASE = "https://flaky.example/items"
FULL = [{"id": n} for n in range(10)]


class FlakyApi:
    """Counts requests; `answer` builds each response from the request and its number."""

    def __init__(self, answer: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.answer = answer
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return self.answer(request, self.requests)


def new_cursor_same_records(request: httpx.Request, n: int) -> httpx.Response:
    return httpx.Response(200, json={"results": FULL, "next_cursor": f"c{n}"})


def always_full(request: httpx.Request, n: int) -> httpx.Response:
    return httpx.Response(200, json={"results": FULL})  # ignores ?page= and ?offset=


def new_link_same_records(request: httpx.Request, n: int) -> httpx.Response:
    return httpx.Response(200, json=FULL, headers={"Link": f'<{BASE}?p={n + 1}>; rel="next"'})


def fresh_records_forever(request: httpx.Request, n: int) -> httpx.Response:
    page = [{"id": n * 10 + k} for k in range(10)]
    return httpx.Response(200, json={"results": page, "next_cursor": f"c{n}"})


def _source(api: FlakyApi, pagination: Pagination, **options: object) -> HttpSource:
    records_path = "" if isinstance(pagination, LinkPagination) else "results"
    return HttpSource(
        BASE,
        records_path=records_path,
        pagination=pagination,
        transport=httpx.MockTransport(api),
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("answer", "pagination", "ignored"),
    [
        (new_cursor_same_records, CursorPagination(), "the cursor"),
        (always_full, PageNumberPagination(size=10), "the page number"),
        (always_full, OffsetPagination(limit=10), "the offset"),
        (new_link_same_records, LinkPagination(), "the next link"),
    ],
)
def test_a_repeated_page_stops_the_source_and_says_why(
    answer: Callable[[httpx.Request, int], httpx.Response], pagination: Pagination, ignored: str
) -> None:
    api = FlakyApi(answer)
    source = _source(api, pagination)
    read: list[object] = []
    with pytest.raises(SourceUnreadable) as caught:
        read.extend(item.record for item in source)
    message = str(caught.value)
    assert "page 2 holds the same 10 records as page 1" in message
    assert f"ignore {ignored}" in message and "detect_repeats" in message
    assert read == FULL  # page 1 was read once; its repeat was not
    assert api.requests == 2


def test_fresh_pages_forever_stop_at_max_pages() -> None:
    api = FlakyApi(fresh_records_forever)
    source = _source(api, CursorPagination(), max_pages=25)
    count = 0
    with pytest.raises(SourceUnreadable, match=r"stopped after 25 pages.*max_pages"):
        for _ in source:
            count += 1
    assert count == 250 and api.requests == 25


def test_the_defaults_bound_every_source() -> None:
    source = HttpSource(BASE)
    assert source.max_pages == DEFAULT_MAX_PAGES == 10_000
    assert source.run_timeout == DEFAULT_RUN_TIMEOUT == 3_600.0
    assert source.detect_repeats


def test_the_run_timeout_stops_a_slow_source() -> None:
    ticks = itertools.count(0.0, 100.0)  # every page takes 100 s on this clock
    api = FlakyApi(fresh_records_forever)
    source = _source(api, CursorPagination(), run_timeout=250.0, clock=lambda: next(ticks))
    with pytest.raises(SourceUnreadable, match=r"more than the 250 s allowed \(run_timeout\)"):
        list(source)
    assert api.requests < 5


def test_repeats_may_be_allowed_and_then_max_pages_holds() -> None:
    api = FlakyApi(always_full)
    source = _source(api, PageNumberPagination(size=10), detect_repeats=False, max_pages=3)
    with pytest.raises(SourceUnreadable, match="stopped after 3 pages"):
        list(source)
    assert api.requests == 3


def test_limits_are_connection_settings() -> None:
    ref = ConnectorRef(
        kind="http",
        settings={
            "url": BASE,
            "max_pages": 5,
            "run_timeout": 60,
            "detect_repeats": False,
            "pagination": {"type": "cursor"},
        },
    )
    source = open_connector_source(ref)
    assert isinstance(source, HttpSource)
    assert (source.max_pages, source.run_timeout, source.detect_repeats) == (5, 60, False)
    source.close()
    for bad in ({"max_pages": 0}, {"run_timeout": -1}, {"detect_repeats": "no"}):
        with pytest.raises(ConnectorError):
            open_connector_source(ref.model_copy(update={"settings": {"url": BASE, **bad}}))
