"""`fieldwright serve` as a real process: it fires, a second one stands by, SIGTERM stops both."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class Serve:
    """A `fieldwright serve` child process whose stderr lines arrive on a queue."""

    def __init__(self, database: Path) -> None:
        env = {**os.environ, "FIELDWRIGHT_DATABASE_URL": f"sqlite:///{database}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fieldwright", "serve", "--drain-timeout", "5"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            self.seen.append(line)
            if text in line:
                return line

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def test_serve_fires_stands_by_and_stops_cleanly(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    first = Serve(database)
    try:
        first.wait_for("scheduler active")
        second = Serve(database)
        try:
            line = second.wait_for("scheduler standby")
            assert "another process" in line
        finally:
            assert second.stop() == 0
        assert first.stop() == 0, first.seen
    finally:
        if first.process.poll() is None:
            first.process.kill()


def test_serve_reports_an_unusable_store(tmp_path: Path) -> None:
    database = tmp_path / "not-a-database.db"
    database.write_text("this is not SQLite")
    serve = Serve(database)
    assert serve.process.wait(timeout=60) == 2
    serve.wait_for("not a SQLite database")
