"""A run killed with SIGKILL is logged failed on the next start, and its target is absent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fieldwright.domain.runs import RunStatus
from fieldwright.service.facade import Service
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def test_a_run_killed_mid_way_is_failed_on_the_next_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fieldwright.db'}"
    out = tmp_path / "out" / "paydata.csv"
    out.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.service.slow_run_process", url, str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # this checkout's sources, not whichever one the environment installed
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])},
    )
    watchdog = threading.Timer(60, process.kill)  # a hung child must not hang the suite
    watchdog.start()
    try:
        key = process.stdout.readline().strip() if process.stdout else ""
        assert key.startswith("proc_GEN_OUT_TEST_"), process.stderr.read() if process.stderr else ""
        assert list(out.parent.glob(".paydata.csv.*.tmp")), "the run writes a temporary file"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()

    with Service.open(url) as service:
        assert service.interrupted_runs == (key,)
        record = service.run_detail(key).record
    assert record.status is RunStatus.FAILED and record.ended_at is not None
    assert record.error_summary is not None
    assert record.error_summary.startswith(f"the process running it stopped (pid {process.pid}")
    assert f"nothing was written to {out}" in record.error_summary
    assert "removed 1 unfinished temporary file" in record.error_summary
    assert record.counts.balanced and record.counts.read > 0 and record.counts.written == 0
    assert not out.exists() and list(out.parent.iterdir()) == []

    with Service.open(url) as again:  # once is enough
        assert again.interrupted_runs == ()


def test_a_run_of_a_live_process_is_left_alone(tmp_path: Path, db_url: str) -> None:
    from tests.service.helpers import (
        GeneratedSource,
        TestConnectors,
        csv_target,
        simple_document,
        test_source,
    )

    connectors = TestConnectors()
    gate = threading.Event()

    class Held(GeneratedSource):
        def __iter__(self):  # type: ignore[no-untyped-def]
            gate.wait(30)
            yield from super().__iter__()

    connectors.sources["held"] = lambda: Held(10)
    with Service.open(db_url, connectors=connectors) as service:
        handle = service.start_run(
            simple_document(), source=test_source("held"), target=csv_target(tmp_path / "o.csv")
        )
        with Service.open(db_url) as second:  # same process, another façade: the run lives
            assert second.interrupted_runs == ()
        gate.set()
        result = handle.wait(30)
        assert result is not None and result.status is RunStatus.COMPLETED


def test_a_run_whose_end_could_not_be_logged_is_settled_while_the_process_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store is unreachable as a run ends: its output is delivered but the run stays
    running in the log; serve's periodic settling logs it completed from the manifest."""
    from fieldwright.store import RunRepository
    from fieldwright.store.errors import StoreUnavailable
    from tests.service.helpers import GeneratedSource, TestConnectors, csv_target
    from tests.service.helpers import simple_document as document
    from tests.service.helpers import test_source as generated

    url = f"sqlite:///{tmp_path / 'fieldwright.db'}"
    out = tmp_path / "people.csv"
    connectors = TestConnectors()
    connectors.sources["ten"] = lambda: GeneratedSource(250, every_bad=5)
    real_finish = RunRepository.finish_run

    def unreachable(self: RunRepository, key: str, **kwargs: object) -> object:
        raise StoreUnavailable("the store went away")

    with Service.open(url, connectors=connectors) as service:
        monkeypatch.setattr(RunRepository, "finish_run", unreachable)
        handle = service.start_run(document(), source=generated("ten"), target=csv_target(out))
        assert handle.wait(60) is not None
        assert service.run_detail(handle.key).record.status is RunStatus.RUNNING
        monkeypatch.setattr(RunRepository, "finish_run", real_finish)
        assert service.settle_stopped_runs() == (handle.key,)
        record = service.run_detail(handle.key).record
        assert record.status is RunStatus.COMPLETED, record.error_summary
        assert (record.counts.read, record.counts.written, record.counts.failed) == (250, 200, 50)
        assert record.dead_letter_count == 50
        assert service.settle_stopped_runs() == ()
