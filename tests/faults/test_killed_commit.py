"""Real processes killed with SIGKILL at chosen points of a run's commit (issue 16,
items 3 and 4): what the target holds and what the run log says agree after the
next run's (or the next start's) recovery, and no temporary file is left."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy

from fieldwright.connectors import recover_file_target
from fieldwright.domain.canonical import dumps
from fieldwright.domain.runs import RunStatus
from fieldwright.service.facade import Service
from tests.conftest import REPO
from tests.service.helpers import simple_document

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}


def _killed(point: str, mode: str, where: str, source: Path, out: Path) -> str:
    """Run the fault process to its death at `point`; what it printed."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.faults.killed_commit",
            point,
            mode,
            where,
            str(source),
            str(out),
        ],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    return done.stdout


def _sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _previous_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A mapping, its input (500 records, 100 bad) and the output of an earlier run
    of another input (3 records, 1 bad): the state a killed run must not mix with."""
    doc = tmp_path / "map.fwmap.json"
    doc.write_text(dumps(simple_document()), encoding="utf-8")
    source = tmp_path / "in.ndjson"
    lines = [{"id": i} if i % 5 == 4 else {"id": i, "name": f"n{i}"} for i in range(500)]
    source.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    first = tmp_path / "first.ndjson"
    first.write_text('{"id": 1, "name": "a"}\n{"id": 2}\n{"id": 3, "name": "c"}\n')
    out = tmp_path / "out" / "people.ndjson"
    out.parent.mkdir()
    earlier = subprocess.run(
        [sys.executable, "-m", "fieldwright", "run", str(doc), "-i", str(first), "-o", str(out)],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert earlier.returncode == 3, earlier.stderr  # 3: finished with failed records
    return doc, source, out


def _consistent(out: Path) -> dict[str, object]:
    """The output, its dead letters and its manifest agree; the manifest."""
    manifest = json.loads(out.with_name(out.name + ".meta.json").read_text())
    assert manifest["checksum"] == _sha(out)
    assert manifest["row_count"] == len(out.read_text().splitlines())
    letters = out.with_name(out.name + ".dead-letters.ndjson")
    companions = manifest.get("companions", {})
    if letters.exists():
        entry = companions[letters.name]
        assert entry["checksum"] == _sha(letters)
        assert entry["rows"] == len(letters.read_text().splitlines())
    else:
        assert companions == {}
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    return manifest


@pytest.mark.parametrize("point", ["journal", "manifest", "logged"])
def test_a_file_run_killed_in_its_commit_leaves_one_run_or_the_other(
    tmp_path: Path, point: str
) -> None:
    doc, source, out = _previous_run(tmp_path)
    _killed(point, "file", str(doc), source, out)
    report = recover_file_target(out)  # what the next run of this target does first
    manifest = _consistent(out)
    run = manifest["run"]
    assert isinstance(run, dict)
    if point == "journal":  # before the commit point: the earlier run stands
        assert (run["read"], run["written"], run["failed"]) == (3, 2, 1)
        assert report.removed >= 3 and not report.finished_commit
    else:  # after it: the killed run's commit is finished
        assert (run["read"], run["written"], run["failed"]) == (500, 400, 100)
        assert report.finished_commit


def test_the_next_run_of_the_target_recovers_it(tmp_path: Path) -> None:
    doc, source, out = _previous_run(tmp_path)
    _killed("manifest", "file", str(doc), source, out)
    again = subprocess.run(
        [sys.executable, "-m", "fieldwright", "run", str(doc), "-i", str(source), "-o", str(out)],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 3, again.stderr
    run = _consistent(out)["run"]
    assert isinstance(run, dict) and (run["written"], run["failed"]) == (400, 100)


@pytest.mark.parametrize("point", ["journal", "manifest", "logged"])
def test_a_store_run_killed_in_its_commit_is_logged_as_what_its_target_holds(
    tmp_path: Path, point: str
) -> None:
    url = f"sqlite:///{tmp_path / 'fieldwright.db'}"
    out = tmp_path / "out" / "people.csv"
    out.parent.mkdir()
    key = _killed(point, "store", url, tmp_path / "unused", out).strip()
    with Service.open(url) as service:
        assert service.interrupted_runs == (key,)
        record = service.run_detail(key).record
        letters = service.dead_letters(key, limit=1000).items
    assert record.error_summary is not None
    if point == "journal":
        assert record.status is RunStatus.FAILED
        assert f"nothing was written to {out}" in record.error_summary
        assert not out.exists()
    else:
        assert record.status is RunStatus.COMPLETED, record.error_summary
        assert "its output was committed" in record.error_summary
        counts = record.counts
        assert (counts.read, counts.written, counts.failed) == (500, 400, 100)
        assert len(out.read_text().splitlines()) == 401  # a header and 400 rows
        assert (
            _sha(out) == json.loads(out.with_name("people.csv.meta.json").read_text())["checksum"]
        )
    assert len(letters) == 100  # every dead letter was kept before the output committed
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("how", ["direct", "staged"])
def test_a_killed_sql_run_is_logged_as_what_the_table_holds(tmp_path: Path, how: str) -> None:
    url = f"sqlite:///{tmp_path / 'fieldwright.db'}"
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    engine = sqlalchemy.create_engine(target_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("CREATE TABLE people (id INTEGER, name TEXT)"))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.killed_sql_run", url, target_url, how],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        key = process.stdout.readline().strip() if process.stdout else ""
        assert key, process.stderr.read() if process.stderr else ""
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(60) == -signal.SIGKILL
    finally:
        process.kill()
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
    with Service.open(url) as service:
        assert service.interrupted_runs == (key,)
        record = service.run_detail(key).record
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT count(*) FROM people")).scalar_one()
        staged = (
            dict(
                connection.execute(
                    sqlalchemy.text(
                        "SELECT _fw_status, count(*) FROM people__fw_staging GROUP BY _fw_status"
                    )
                ).all()
            )
            if how == "staged"
            else {}
        )
    engine.dispose()
    summary = record.error_summary or ""
    assert record.status is RunStatus.FAILED and record.counts.balanced
    if how == "direct":  # batches of 100 committed one by one: the log is at most one behind
        assert rows >= 400 and "the target keeps the batches it committed" in summary
        assert record.counts.written <= rows <= record.counts.written + 100
    else:  # nothing reached the table; the staged rows can never be moved later
        assert rows == 0 and record.counts.written == 0
        assert staged.get("pending", 0) == 0 and staged["failed"] >= 400
        assert f"{staged['failed']} staged row(s) were marked failed" in summary
