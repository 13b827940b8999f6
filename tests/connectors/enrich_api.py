"""A small employees API on 127.0.0.1 for the enrich tests (stdlib http.server).

`GET /employees/{id}` answers `{"data": {...}}` or 404 (the key 3: a 500; the key 9:
a 503 every other request);
`GET /employees?ids=1,2` answers `{"data": [...]}`; every request needs the bearer token.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: (id, company, name, department)
EMPLOYEES = [
    ("1", "ACME", "Ada", "R&D"),
    ("2", "ACME", "Grace", "Ops"),
    ("2", "INITECH", "Linus", "IT"),
    ("7", "ACME", "Edsger", "R&D"),
]


class _Api(BaseHTTPRequestHandler):
    server: EmployeesApi

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with self.server.lock:
            self.server.seen.append(self.path)
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._send(401, {"error": "who are you"})
            return
        people = {e: {"user_id": e, "name": n} for e, c, n, _d in EMPLOYEES if c == "ACME"}
        if url.path.startswith("/employees/"):
            key = url.path.rsplit("/", 1)[-1]
            if key == "3":
                self._send(500, {"error": {"message": "database on fire"}})
            elif key == "9":  # busy every other time: a retry finds it
                with self.server.lock:
                    tries = self.server.seen.count(self.path)
                if tries % 2:
                    self._send(503, {"error": "busy"})
                else:
                    self._send(200, {"data": {"user_id": "9", "name": "Barbara"}})
            elif key in people:
                self._send(200, {"data": people[key]})
            else:
                self._send(404, {"error": "no such employee"})
        elif url.path == "/employees":
            keys = query["ids"].split(",") if "ids" in query else list(people)
            self._send(200, {"data": [people[k] for k in keys if k in people]})
        else:
            self._send(404, {})


class EmployeesApi(ThreadingHTTPServer):
    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Api)
        self.token = token
        self.seen: list[str] = []
        self.lock = threading.Lock()


@contextmanager
def serve_employees(token: str) -> Iterator[EmployeesApi]:
    """The API on a free port of 127.0.0.1 for the `with` block; `token` its bearer secret."""
    server = EmployeesApi(token)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
