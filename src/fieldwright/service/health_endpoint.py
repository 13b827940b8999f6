"""A JSON health endpoint on a loopback port, for a supervisor (`fieldwright serve --health-port`).

``GET /health`` (optionally ``?window=7d``) answers the monitoring summary as JSON:
200 when nothing is failing, 503 when something is, 400 for an unknown window.
Any other path is 404. It listens on 127.0.0.1 only, in a daemon thread, and
computes each answer on its own request thread from the open service.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fieldwright.service.errors import InvalidRequest, ServiceError
from fieldwright.service.facade import Service
from fieldwright.service.monitoring_models import Health

__all__ = ["HealthEndpoint", "start_health_endpoint"]

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") != "/health":
            self._answer(HTTPStatus.NOT_FOUND, {"error": f"no such path {url.path!r}; ask /health"})
            return
        window = parse_qs(url.query).get("window", ["24h"])[0]
        try:
            summary = self.server.service.monitoring(window)
        except InvalidRequest as exc:
            self._answer(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        except ServiceError as exc:
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(exc), "health": "unknown"})
            return
        failing = summary.health is Health.FAILING
        status = HTTPStatus.SERVICE_UNAVAILABLE if failing else HTTPStatus.OK
        self._answer(status, summary.model_dump(mode="json"))

    def _answer(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("health endpoint: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, service: Service) -> None:
        self.service = service
        super().__init__(("127.0.0.1", port), _Handler)


class HealthEndpoint:
    """The running endpoint: its port (the one asked for, or the one given for 0); close()."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, name="health endpoint", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_health_endpoint(service: Service, port: int) -> HealthEndpoint:
    """Listen on 127.0.0.1:`port` (0: any free port); raises InvalidRequest when it cannot."""
    try:
        server = _Server(port, service)
    except OSError as exc:
        raise InvalidRequest(
            f"cannot listen on 127.0.0.1:{port} for the health endpoint: {exc.strerror or exc}; "
            "choose another --health-port"
        ) from exc
    endpoint = HealthEndpoint(server)
    log.info("health endpoint at %s", endpoint.url)
    return endpoint
