"""One HTTP client for API sources and sinks: auth, a rate cap, retries with backoff, errors.

Retries: a 429 waits as long as its ``Retry-After`` says (seconds or an
HTTP date; up to `RetryPolicy.max_retry_after`), a 5xx or a network error
waits an exponential backoff with full jitter
(``uniform(0, min(max_delay, base_delay * 2**(attempt-1)))``), each up to
`RetryPolicy.max_attempts` attempts in all. Other 4xx answers fail at once
with the API's own message when the body has one of the usual shapes
(``{"error": {"message"}}``, ``{"error"}``, ``{"message"}``,
``{"errors": [{"message"}]}``, ``{"detail"}``, ``{"title"}``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx

from fieldwright.connectors._secrets import install_library_maskers, mask
from fieldwright.connectors.credentials import Credentials
from fieldwright.connectors.errors import ConnectorError

__all__ = ["ApiAuth", "HttpClient", "RetryPolicy", "api_message"]

log = logging.getLogger("fieldwright.connectors.http")
install_library_maskers()  # httpx logs each request's URL (query included) at INFO


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a request that failed for a passing reason."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    #: The longest `Retry-After` honoured; an API asking for more fails the request.
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, uniform: Callable[[], float]) -> float:
        """Full jitter: a random delay up to the exponential cap for this attempt."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return float(uniform()) * cap


@dataclass(frozen=True, slots=True)
class ApiAuth:
    """How to authenticate; the secret comes from `Credentials`, never from here."""

    kind: Literal["none", "bearer", "basic", "api_key"] = "none"
    #: The header or query parameter that carries an API key.
    name: str = "X-API-Key"
    location: Literal["header", "query"] = "header"
    #: The username of basic auth; defaults to the credential's username.
    username: str | None = None


def api_message(response: httpx.Response) -> str:
    """The API's own words about an error (usual JSON shapes), else the start of the body."""
    try:
        body: Any = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return text[:200]
    candidates: list[Any] = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            candidates += [error.get("message"), error.get("description")]
        candidates += [error, body.get("message"), body.get("detail"), body.get("title")]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            candidates.append(first.get("message") if isinstance(first, dict) else first)
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:500]
    return " ".join(response.text.split())[:200]


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


class HttpClient:
    """An httpx client with auth, a requests-per-second cap and retries (see the module)."""

    def __init__(
        self,
        *,
        error: type[ConnectorError],
        auth: ApiAuth | None = None,
        credentials: Credentials | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        requests_per_second: float | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        uniform: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.error = error
        self.retry = retry or RetryPolicy()
        if self.retry.max_attempts < 1:
            raise error(f"max_attempts must be at least 1, not {self.retry.max_attempts}")
        if requests_per_second is not None and requests_per_second <= 0:
            raise error(f"requests_per_second must be positive, not {requests_per_second}")
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._sleep, self._clock, self._uniform, self._now = sleep, clock, uniform, now
        self._last_start: float | None = None
        self.requests = 0
        self._query: dict[str, str] = {}
        all_headers = dict(headers or {})
        basic: httpx.BasicAuth | None = None
        auth = auth or ApiAuth()
        if auth.kind != "none":
            if credentials is None:
                raise error(
                    f"{auth.kind} authentication needs a credential; add one to the connection"
                )
            secret = credentials.secret()
            if auth.kind == "bearer":
                all_headers["Authorization"] = f"Bearer {secret}"
            elif auth.kind == "basic":
                username = auth.username or credentials.username
                if not username:
                    raise error("basic authentication needs a username")
                basic = httpx.BasicAuth(username, secret)
            elif auth.location == "query":
                self._query[auth.name] = secret
            else:
                all_headers[auth.name] = secret
        self._client = httpx.Client(
            headers=all_headers, auth=basic, timeout=timeout, transport=transport
        )

    def _pace(self) -> None:
        if self._interval and self._last_start is not None:
            wait = self._last_start + self._interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_start = self._clock()

    def _wait(self, seconds: float, why: str, where: str, attempt: int) -> None:
        log.warning(
            "%s: %s; retrying in %.1f s (attempt %d of %d)",
            mask(where),
            why,
            seconds,
            attempt + 1,
            self.retry.max_attempts,
        )
        self._sleep(seconds)

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send with retries; the response is a success (2xx/3xx, or a status in `accept`).

        `what` names the request in messages ("page 3", "batch 7").
        """
        query = {**(params or {}), **self._query}
        where = f"{method} {url}"
        for attempt in range(1, self.retry.max_attempts + 1):
            last = attempt == self.retry.max_attempts
            self._pace()
            self.requests += 1
            try:
                response = self._client.request(
                    method, url, params=query or None, json=json, headers=headers
                )
            except httpx.TransportError as exc:
                why = f"{type(exc).__name__}: {exc}"
                if last:
                    raise self.error(
                        f"{what}: no answer after {attempt} attempts ({mask(why)}); check the "
                        "URL and the network, or raise max_attempts",
                        target=mask(url),
                    ) from exc
                self._wait(self.retry.backoff(attempt, self._uniform), why, where, attempt)
                continue
            status = response.status_code
            if status < 400 or status in accept:
                return response
            if status == 429 or status >= 500:
                delay = _retry_after(response.headers.get("Retry-After"), self._now())
                if delay is not None and delay > self.retry.max_retry_after:
                    raise self.error(
                        f"{what}: the API asks to wait {delay:.0f} s (HTTP {status}), more than "
                        f"the {self.retry.max_retry_after:.0f} s allowed; run again later",
                        target=mask(url),
                    )
                if not last:
                    if delay is None:
                        delay = self.retry.backoff(attempt, self._uniform)
                    self._wait(delay, f"HTTP {status}", where, attempt)
                    continue
                raise self.error(
                    f"{what}: HTTP {status} after {attempt} attempts "
                    f"({mask(api_message(response))}); the API is failing or limiting us: "
                    "try again later, or lower requests_per_second",
                    target=mask(url),
                )
            advice = (
                "check the credential in the connection"
                if status in (401, 403)
                else "check the URL, the parameters and the records sent"
            )
            raise self.error(
                f"{what}: HTTP {status} ({mask(api_message(response))}); {advice}",
                target=mask(url),
            )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def close(self) -> None:
        self._client.close()
