"""A small real JSON API on 127.0.0.1 for the HTTP connector tests (stdlib http.server)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDS = [{"id": n, "name": f"record {n}"} for n in range(1, 26)]


@dataclass
class ApiState:
    """What the server saw; the tests read it after the requests."""

    secret: str
    hits: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: (idempotency key, records) of every POST, retries included.
    posts: list[tuple[str | None, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _hit(self, path: str) -> int:
        state = self.server.state
        with state.lock:
            state.hits[path] = state.hits.get(path, 0) + 1
            state.requests.append((self.command, self.path, dict(self.headers.items())))
            return state.hits[path]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        hit = self._hit(url.path)
        secret = self.server.state.secret
        route = url.path
        if route == "/page":
            page, size = int(query["page"]), int(query["per_page"])
            self._send(200, {"results": RECORDS[(page - 1) * size : page * size], "page": page})
        elif route == "/offset":
            offset, limit = int(query["offset"]), int(query["limit"])
            self._send(200, {"data": {"items": RECORDS[offset : offset + limit]}})
        elif route == "/cursor":
            start = int(query.get("cursor", "0"))
            following = start + 10 if start + 10 < len(RECORDS) else None
            body = {"results": RECORDS[start : start + 10], "meta": {"next": following}}
            if following is not None:
                body["meta"]["next"] = str(following)
            self._send(200, body)
        elif route == "/link":
            page = int(query.get("page", "1"))
            headers = {}
            if page * 10 < len(RECORDS):
                headers["Link"] = (
                    f'</link?page={page + 1}>; rel="next", </link?page=1>; rel="first"'
                )
            self._send(200, RECORDS[(page - 1) * 10 : page * 10], headers)
        elif route == "/mixed":
            self._send(200, {"results": [{"id": 1}, 42, None, {"id": 2}]})
        elif route == "/flaky-429":
            if hit == 1:
                self._send(429, {"message": "slow down"}, {"Retry-After": "3"})
            else:
                self._send(200, {"results": RECORDS[:2]})
        elif route == "/flaky-429-date":
            if hit == 1:
                when = datetime.now(UTC) + timedelta(seconds=5)
                self._send(429, {}, {"Retry-After": format_datetime(when, usegmt=True)})
            else:
                self._send(200, {"results": RECORDS[:2]})
        elif route == "/flaky-500":
            if hit <= 2:
                self._send(500, {"error": "temporarily broken"})
            else:
                self._send(200, {"results": RECORDS[:3]})
        elif route == "/down":
            self._send(503, {"error": {"message": "database is down"}})
        elif route == "/slow":
            time.sleep(1.0)
            self._send(200, {"results": []})
        elif route == "/not-json":
            data = b"<html>login</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif route.startswith("/auth/"):
            self._auth(route.removeprefix("/auth/"), query, secret)
        else:
            self._send(404, {"detail": f"no route {route}"})

    def _auth(self, kind: str, query: dict[str, str], secret: str) -> None:
        header = self.headers.get("Authorization", "")
        expected = {
            "bearer": header == f"Bearer {secret}",
            "basic": header == "Basic " + base64.b64encode(f"analyst:{secret}".encode()).decode(),
            "key-header": self.headers.get("X-API-Key") == secret,
            "key-query": query.get("api_key") == secret,
        }
        if expected.get(kind):
            self._send(200, {"results": [{"ok": True}]})
        else:
            self._send(401, {"error": {"message": "invalid credentials"}})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        hit = self._hit(url.path)
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        key = self.headers.get("Idempotency-Key")
        state = self.server.state
        with state.lock:
            state.posts.append((key, body))
            distinct = len({posted for posted, _ in state.posts})
        if url.path == "/ingest-flaky" and distinct == 2 and hit == 2:
            self._send(500, {"error": "accepted, but the answer was lost"})
        elif url.path == "/ingest-bad" and hit == 2:
            self._send(422, {"errors": [{"message": "email is invalid", "field": "email"}]})
        else:
            self._send(201, {"accepted": len(body) if isinstance(body, list) else 1})

    def do_OPTIONS(self) -> None:
        self._hit(urlsplit(self.path).path)
        self._send(405, {"detail": "method not allowed"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ApiState


@contextmanager
def serve(secret: str) -> Iterator[tuple[str, ApiState]]:
    """Run the API on a free port of 127.0.0.1; yield its base URL and state."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = ApiState(secret=secret)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="test-api", daemon=True
    )
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", server.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
