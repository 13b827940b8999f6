"""What the contacts benches share: where the reference workload lives, timing a process,
reading an NDJSON output back."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import orjson

__all__ = ["DEFAULT_WORKLOAD", "read_records", "timed"]

#: The nearest ``shared/bench`` above this file (the repository's sibling folder).
DEFAULT_WORKLOAD = next(
    (
        folder / "shared" / "bench"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared" / "bench" / "contacts.py").is_file()
    ),
    Path("shared") / "bench",
)


def timed(
    command: list[str], finished: tuple[int, ...] = (0,), env: dict[str, str] | None = None
) -> tuple[float, float, int]:
    """Run `command`; its wall time and CPU time (user + system, all its threads) in
    seconds and its peak RSS in MB (raise unless it exits with a code of `finished`)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in finished:
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def read_records(path: Path) -> list[object]:
    """The records of an NDJSON file (blank lines skipped)."""
    with path.open("rb") as lines:
        return [orjson.loads(line) for line in lines if line.strip()]
