"""HTTP sources and sinks against a real local API: pagination, retries, rate limits, auth."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import pytest

from fieldwright.connectors import (
    ApiAuth,
    Credentials,
    CursorPagination,
    HttpSink,
    HttpSource,
    LinkPagination,
    OffsetPagination,
    PageNumberPagination,
    RetryPolicy,
    SecretMasker,
    SinkError,
    SourceUnreadable,
)

from .api_server import RECORDS, ApiState, serve


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def api(secret: str) -> Iterator[tuple[str, ApiState]]:
    with serve(secret) as running:
        yield running


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _ids(source: HttpSource) -> list[int]:
    try:
        return [item.record["id"] for item in source if item.record is not None]
    finally:
        source.close()


# -- pagination ------------------------------------------------------------------------------


def test_page_number_pagination(api: tuple[str, ApiState]) -> None:
    base, state = api
    source = HttpSource(f"{base}/page", pagination=PageNumberPagination(size=10))
    items = list(source)
    source.close()
    assert [item.record["id"] for item in items if item.record] == list(range(1, 26))
    assert state.hits["/page"] == 3  # 10 + 10 + 5: a short page ends it
    assert (items[12].position.page, items[12].position.index) == (2, 2)
    assert str(items[12].position) == "page 2, item 2"


def test_page_number_pagination_fetches_an_empty_last_page(api: tuple[str, ApiState]) -> None:
    base, state = api
    source = HttpSource(f"{base}/page", pagination=PageNumberPagination(size=5))
    assert _ids(source) == list(range(1, 26))
    assert state.hits["/page"] == 6


def test_offset_pagination_with_a_dotted_records_path(api: tuple[str, ApiState]) -> None:
    base, state = api
    source = HttpSource(
        f"{base}/offset", records_path="data.items", pagination=OffsetPagination(limit=7)
    )
    assert _ids(source) == list(range(1, 26))
    assert state.hits["/offset"] == 4
    assert "offset=21&limit=7" in state.requests[-1][1]


def test_cursor_pagination(api: tuple[str, ApiState]) -> None:
    base, state = api
    source = HttpSource(
        f"{base}/cursor",
        pagination=CursorPagination(cursor_path="meta.next", cursor_param="cursor"),
    )
    assert _ids(source) == list(range(1, 26))
    assert [path for _, path, _ in state.requests] == [
        "/cursor",
        "/cursor?cursor=10",
        "/cursor?cursor=20",
    ]


def test_link_header_pagination_with_a_top_level_array(api: tuple[str, ApiState]) -> None:
    base, state = api
    source = HttpSource(f"{base}/link", records_path="", pagination=LinkPagination())
    assert _ids(source) == list(range(1, 26))
    assert [path for _, path, _ in state.requests] == ["/link", "/link?page=2", "/link?page=3"]


def test_max_pages_stops_early_and_says_so(api: tuple[str, ApiState]) -> None:
    base, _ = api
    source = HttpSource(f"{base}/page", pagination=PageNumberPagination(size=10), max_pages=1)
    read: list[object] = []
    with pytest.raises(SourceUnreadable, match=r"stopped after 1 page, the limit \(max_pages\)"):
        read.extend(item.record["id"] for item in source if item.record)
    assert read == list(range(1, 11))


def test_a_non_object_item_is_unreadable_and_the_run_goes_on(api: tuple[str, ApiState]) -> None:
    base, _ = api
    source = HttpSource(f"{base}/mixed")
    items = list(source)
    source.close()
    assert [item.record for item in items] == [{"id": 1}, None, None, {"id": 2}]
    assert items[1].error == "the item is a number, not an object"
    assert items[1].raw == "42"
    assert str(items[2].position) == "page 1, item 2"


def test_a_wrong_records_path_lists_what_the_response_has(api: tuple[str, ApiState]) -> None:
    base, _ = api
    source = HttpSource(f"{base}/page", records_path="items", pagination=PageNumberPagination())
    with pytest.raises(SourceUnreadable) as caught:
        list(source)
    source.close()
    message = str(caught.value)
    assert "page 1: no array of records at 'items' (the response has: results, page)" in message
    assert "/page" in message


def test_a_body_that_is_not_json_is_reported(api: tuple[str, ApiState]) -> None:
    base, _ = api
    source = HttpSource(f"{base}/not-json")
    with pytest.raises(SourceUnreadable, match="page 1: the response is not JSON"):
        list(source)
    source.close()


# -- retries and rate limits -----------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(
    api: tuple[str, ApiState], fake_time: FakeTime
) -> None:
    base, state = api
    source = HttpSource(f"{base}/flaky-429", sleep=fake_time.sleep, clock=fake_time.clock)
    assert _ids(source) == [1, 2]
    assert fake_time.sleeps == [3.0]
    assert state.hits["/flaky-429"] == 2


def test_429_with_an_http_date(api: tuple[str, ApiState], fake_time: FakeTime) -> None:
    base, _ = api
    source = HttpSource(f"{base}/flaky-429-date", sleep=fake_time.sleep, clock=fake_time.clock)
    assert _ids(source) == [1, 2]
    assert len(fake_time.sleeps) == 1
    assert 3.0 <= fake_time.sleeps[0] <= 5.0


def test_two_500s_then_success_back_off_with_jitter(
    api: tuple[str, ApiState], fake_time: FakeTime
) -> None:
    base, state = api
    retry = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=10.0)
    source = HttpSource(
        f"{base}/flaky-500", retry=retry, sleep=fake_time.sleep, clock=fake_time.clock
    )
    assert _ids(source) == [1, 2, 3]
    assert state.hits["/flaky-500"] == 3
    assert len(fake_time.sleeps) == 2
    assert 0.0 <= fake_time.sleeps[0] <= 1.0  # full jitter under base * 2**0
    assert 0.0 <= fake_time.sleeps[1] <= 2.0  # ... and under base * 2**1


def test_a_permanent_500_fails_clearly_after_max_attempts(
    api: tuple[str, ApiState], fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    base, state = api
    retry = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=1.0)
    source = HttpSource(f"{base}/down", retry=retry, sleep=fake_time.sleep, clock=fake_time.clock)
    with caplog.at_level(logging.WARNING), pytest.raises(SourceUnreadable) as caught:
        list(source)
    source.close()
    message = str(caught.value)
    assert f"{base}/down: page 1: HTTP 503 after 4 attempts (database is down)" in message
    assert "try again later" in message
    assert state.hits["/down"] == 4
    assert len(fake_time.sleeps) == 3
    assert all(0.0 <= delay <= 1.0 for delay in fake_time.sleeps)  # capped by max_delay
    assert "retrying in" in caplog.text


def test_timeouts_are_retried_then_reported(api: tuple[str, ApiState], fake_time: FakeTime) -> None:
    base, state = api
    source = HttpSource(
        f"{base}/slow",
        timeout=0.2,
        retry=RetryPolicy(max_attempts=2),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    with pytest.raises(SourceUnreadable, match=r"page 1: no answer after 2 attempts \(ReadTimeout"):
        list(source)
    source.close()
    assert state.hits["/slow"] == 2


def test_requests_per_second_spaces_the_requests(
    api: tuple[str, ApiState], fake_time: FakeTime
) -> None:
    base, _ = api
    source = HttpSource(
        f"{base}/page",
        pagination=PageNumberPagination(size=10),
        requests_per_second=2,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    assert len(_ids(source)) == 25
    assert fake_time.sleeps == [0.5, 0.5]


def test_an_unreachable_api_is_named() -> None:
    source = HttpSource(
        "http://127.0.0.1:9/records", retry=RetryPolicy(max_attempts=2), sleep=lambda _: None
    )
    with pytest.raises(SourceUnreadable) as caught:
        source.test_connection()
    source.close()
    assert "http://127.0.0.1:9/records: first page: no answer after 2 attempts" in str(caught.value)
    assert "check the URL and the network" in str(caught.value)


# -- auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "auth"),
    [
        ("bearer", ApiAuth(kind="bearer")),
        ("basic", ApiAuth(kind="basic", username="analyst")),
        ("key-header", ApiAuth(kind="api_key", name="X-API-Key")),
        ("key-query", ApiAuth(kind="api_key", name="api_key", location="query")),
    ],
)
def test_auth_schemes_reach_the_server(
    api: tuple[str, ApiState],
    secret: str,
    route: str,
    auth: ApiAuth,
    caplog: pytest.LogCaptureFixture,
) -> None:
    base, _ = api
    caplog.handler.addFilter(SecretMasker())
    with caplog.at_level(logging.DEBUG):
        source = HttpSource(
            f"{base}/auth/{route}", auth=auth, credentials=Credentials.from_secret(secret)
        )
        source.test_connection()
        assert [item.record for item in source] == [{"ok": True}]
        source.close()
    assert secret not in caplog.text  # httpx logs the URL, which may hold an API key


def test_a_wrong_secret_is_refused_with_the_apis_message(api: tuple[str, ApiState]) -> None:
    base, state = api
    source = HttpSource(
        f"{base}/auth/bearer",
        auth=ApiAuth(kind="bearer"),
        credentials=Credentials.from_secret("wrong-" + state.secret[::-1]),
    )
    with pytest.raises(SourceUnreadable) as caught:
        list(source)
    source.close()
    message = str(caught.value)
    assert "page 1: HTTP 401 (invalid credentials); check the credential" in message
    assert state.hits["/auth/bearer"] == 1  # a 401 is not retried


def test_auth_without_a_credential_is_refused() -> None:
    with pytest.raises(SourceUnreadable, match="bearer authentication needs a credential"):
        HttpSource("http://127.0.0.1:9/x", auth=ApiAuth(kind="bearer"))


# -- the sink --------------------------------------------------------------------------------


def _key(run_id: str, batch: int) -> str:
    return hashlib.sha256(f"{run_id}:{batch}".encode()).hexdigest()


def test_sink_posts_batches_with_deterministic_idempotency_keys(
    api: tuple[str, ApiState], secret: str
) -> None:
    base, state = api
    sink = HttpSink(
        f"{base}/ingest",
        batch_size=10,
        run_id="proc_a_b_acme_20250101_000000",
        auth=ApiAuth(kind="bearer"),
        credentials=Credentials.from_secret(secret),
    )
    sink.write_batch(RECORDS[:15])  # split in 10 + 5
    sink.write_batch(RECORDS[15:])
    sink.commit()
    run = "proc_a_b_acme_20250101_000000"
    assert [key for key, _ in state.posts] == [_key(run, 1), _key(run, 2), _key(run, 3)]
    assert [len(body) for _, body in state.posts] == [10, 5, 10]
    assert state.posts[0][1][0] == RECORDS[0]
    assert all(headers["Authorization"] == f"Bearer {secret}" for _, _, headers in state.requests)
    assert sink.accepted_records == 25


def test_a_retried_batch_carries_the_same_key(
    api: tuple[str, ApiState], fake_time: FakeTime
) -> None:
    base, state = api
    sink = HttpSink(
        f"{base}/ingest-flaky", batch_size=5, run_id="run-1", wrap="records", sleep=fake_time.sleep
    )
    sink.write_batch(RECORDS[:15])
    sink.commit()
    keys = [key for key, _ in state.posts]
    assert keys == [_key("run-1", 1), _key("run-1", 2), _key("run-1", 2), _key("run-1", 3)]
    assert state.posts[1][1] == state.posts[2][1] == {"records": RECORDS[5:10]}
    assert len(fake_time.sleeps) == 1
    assert sink.accepted_records == 15


def test_a_rejected_batch_says_what_was_already_accepted(api: tuple[str, ApiState]) -> None:
    base, _ = api
    sink = HttpSink(f"{base}/ingest-bad", batch_size=4)
    with pytest.raises(SinkError) as caught:
        sink.write_batch(RECORDS[:12])
    sink.abort()
    message = str(caught.value)
    assert "batch 2: HTTP 422 (email is invalid)" in message
    assert "4 records in 1 earlier batches were accepted by the API" in message
    assert sink.accepted_records == 4


def test_sink_test_connection_accepts_a_405(api: tuple[str, ApiState]) -> None:
    base, state = api
    sink = HttpSink(f"{base}/ingest")
    sink.test_connection()
    sink.abort()
    assert state.hits["/ingest"] == 1
    assert state.posts == []
