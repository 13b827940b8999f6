"""The loopback JSON health endpoint `fieldwright serve --health-port` starts."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from fieldwright.service import InvalidRequest
from fieldwright.service.facade import Service
from fieldwright.service.health_endpoint import HealthEndpoint, start_health_endpoint
from fieldwright.store import Store
from fieldwright.store.sample_activity import generate_activity


@pytest.fixture
def endpoint(service: Service) -> Iterator[HealthEndpoint]:
    started = start_health_endpoint(service, 0)
    yield started
    started.close()


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_healthy_store_answers_200_with_the_summary(endpoint: HealthEndpoint) -> None:
    assert endpoint.url.startswith("http://127.0.0.1:") and endpoint.port > 0
    status, body = _get(endpoint.url)
    assert status == 200 and body["health"] == "ok" and body["window"] == "24h"
    status, body = _get(endpoint.url + "?window=7d")
    assert status == 200 and body["window"] == "7d"
    status, body = _get(endpoint.url + "?window=1y")
    assert status == 400 and "choose one of 24h, 7d, 30d" in body["error"]
    status, body = _get(endpoint.url.replace("/health", "/metrics"))
    assert status == 404 and "/health" in body["error"]


def test_a_failing_integration_answers_503(db_url: str) -> None:
    with Store.open(db_url, user="gen") as store:
        generate_activity(store, runs=300, dead_letters=100)
    with Service.open(db_url, user="alice") as service:
        endpoint = start_health_endpoint(service, 0)
        try:
            status, body = _get(endpoint.url + "?window=30d")
        finally:
            endpoint.close()
    assert status == 503 and body["health"] == "failing" and body["problems"]


def test_a_port_in_use_is_refused_clearly(service: Service) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidRequest, match=f"cannot listen on 127.0.0.1:{port}"):
            start_health_endpoint(service, port)
