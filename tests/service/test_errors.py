"""Which connector failures count as transient, and how errors cross the boundary."""

from __future__ import annotations

import httpx
import pytest

from fieldwright.connectors import ConnectorError, SourceUnreadable
from fieldwright.service._boundary import is_transient, service_errors
from fieldwright.service._pipeline_targets import PublishedPartly
from fieldwright.service.errors import ConnectorProblem, InvalidRequest, StoreProblem
from fieldwright.store import InvalidRecord, StoreBusy


def _raised_from(cause: BaseException) -> ConnectorError:
    try:
        raise ConnectorError("GET https://api: no answer after 3 attempts") from cause
    except ConnectorError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectorError("GET https://api: HTTP 503 after 5 attempts (down)"), True),
        (ConnectorError("GET https://api: HTTP 429 after 5 attempts"), True),
        (ConnectorError("GET https://api: HTTP 404 (no such page)"), False),
        (SourceUnreadable("no such file; check the path", target="in.csv"), False),
        (_raised_from(httpx.ConnectError("connection refused")), True),
        (_raised_from(ValueError("bad")), False),
        (_raised_from(ConnectionResetError()), True),
        # A pipeline target failed after the run published some of its records: an HTTP
        # 503 or a dropped connection would pass, but trying again would deliver twice.
        (PublishedPartly("batch 2: HTTP 503 after 5 attempts; already published: t"), False),
    ],
)
def test_transient_connector_errors(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_lower_level_errors_become_service_errors_with_their_cause() -> None:
    cause = ConnectorError("HTTP 502 after 3 attempts", target="https://api")
    with pytest.raises(ConnectorProblem) as caught, service_errors():
        raise cause
    assert caught.value.transient and caught.value.__cause__ is cause
    with pytest.raises(StoreProblem, match="Try again"), service_errors():
        raise StoreBusy("db is busy. Try again; nothing was saved.")
    expected = r"^saving x: the mapping key is empty"
    with pytest.raises(InvalidRequest, match=expected), service_errors("saving x"):
        raise InvalidRecord("the mapping key is empty; give it a business key")
