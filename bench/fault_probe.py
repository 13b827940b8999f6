"""Fault probe (run on demand: `python bench/fault_probe.py [--rounds N]`).

Issue 16's failures, each reproduced by a test that drives real processes (SIGKILL
at chosen points of a commit and mid-way through SQL runs, SIGTERM to `serve`, a
loopback TCP proxy cutting PostgreSQL, a flaky HTTP API, hostile keys and
secrets), are run N times each; the probe prints, per failure, how many times it
was tried and how many times it held. With FIELDWRIGHT_TEST_PG_URL set, the
PostgreSQL variants run too.

Each round is a fresh pytest process, so a failure's traces are in its output.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Issue 16's numbered failures and the tests that reproduce them.
PROBES: dict[str, list[str]] = {
    "1 serve stops on SIGTERM with a run in flight": [
        "tests/cli/test_serve.py::test_sigterm_cancels_the_run_in_flight_records_it_and_exits_0",
        "tests/cli/test_serve.py::test_a_second_signal_exits_at_once",
    ],
    "2 a CPU-bound run neither stalls the scheduler nor outlives its timeout": [
        "tests/service/test_scheduling.py::"
        "test_a_cpu_bound_run_neither_stalls_other_schedules_nor_outlives_its_timeout",
    ],
    "3 the run log says what the target holds (killed in and after the commit)": [
        "tests/faults/test_killed_commit.py::"
        "test_a_store_run_killed_in_its_commit_is_logged_as_what_its_target_holds",
        "tests/service/test_restart.py",
    ],
    "4 output, manifest and dead letters commit as one (SIGKILL at 3 points)": [
        "tests/faults/test_killed_commit.py::"
        "test_a_file_run_killed_in_its_commit_leaves_one_run_or_the_other",
        "tests/faults/test_killed_commit.py::test_the_next_run_of_the_target_recovers_it",
    ],
    "5 a killed SQL run is logged as what the table holds (direct, staged)": [
        "tests/faults/test_killed_commit.py::test_a_killed_sql_run_is_logged_as_what_the_table_holds",
    ],
    "6-7 secrets refused and masked; unsafe keys refused": [
        "tests/service/test_secrets_refused.py",
        "tests/domain/test_safe_keys.py",
    ],
    "8 HTTP paging is bounded and repeated pages are detected": [
        "tests/connectors/test_http_limits.py",
    ],
    "9 firing resumes after a database outage; a dead lease is taken over": [
        "tests/scheduler/test_outage.py",
        "tests/scheduler/test_lease.py",
    ],
    "11 an oversized record is kept as a capped dead letter": [
        "tests/service/test_oversized_letters.py",
    ],
}

_SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors)")


def _round(tests: list[str]) -> tuple[int, int]:
    """Run the tests once; (tried, held) counted in test cases."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        check=False,
    )
    counts = {kind: int(n) for n, kind in _SUMMARY.findall(done.stdout.splitlines()[-1])}
    held = counts.get("passed", 0)
    failed = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
    if failed:
        print(done.stdout[-3000:], file=sys.stderr)
    return held + failed, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per probe (default 3)")
    args = parser.parse_args()
    where = "SQLite and PostgreSQL" if os.environ.get("FIELDWRIGHT_TEST_PG_URL") else "SQLite"
    print(f"fault probe: {args.rounds} round(s) of each, on {where}")
    broken = False
    for name, tests in PROBES.items():
        tried = held = 0
        for _ in range(args.rounds):
            t, h = _round(tests)
            tried, held = tried + t, held + h
        broken |= held != tried
        print(f"  {name}: held {held}/{tried}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
