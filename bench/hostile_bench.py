"""Hostile-input benchmark (run on demand: `python bench/hostile_bench.py`).

Measures what issue 17 names as targets, each through the real command line
(`fieldwright run`, a fresh process per round) so the numbers include start-up:

- a JSON-array input nested 100,000 levels deep: the run's peak memory
  (target < 100 MB; the source's depth limit makes it a dead letter);
- a catastrophic validation regex (`(a|aa)+$` on 60 ``a`` and a ``b``): how long
  the run takes to fail that record (target: within 1 s of a run of the same
  file without the slow value, i.e. the time bound is 0.25 s per match).

Peak memory is the child's VmHWM (read from /proc while it runs, Linux only);
`ru_maxrss` would report the parent's peak after a fork. Each figure is the
min / median / max of the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FIELDWRIGHT = [sys.executable, "-m", "fieldwright"]


def _mapping(path: Path, *, regex: str | None = None) -> Path:
    rules = {"regex": regex} if regex else {}
    document = {
        "fieldwright": 1,
        "key": "mapping_BENCH_HOSTILE_X_20260101",
        "name": "hostile bench",
        "source": {"fields": [{"name": "code", "type": "string"}]},
        "target": {"fields": [{"name": "code", "type": "string"}]},
        "fields": [{"target": "$.code", "sources": ["$.code"], "rules": rules}],
        "run": {"error_strategy": "continue_on_error"},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _peak_kib(pid: int, stop: threading.Event, peak: list[int]) -> None:
    status = Path(f"/proc/{pid}/status")
    while not stop.is_set():
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return
        time.sleep(0.005)


def _run(mapping: Path, source: Path, out: Path) -> tuple[float, float, int]:
    """Seconds, peak MB and exit code of one `fieldwright run`."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [*FIELDWRIGHT, "run", str(mapping), "-i", str(source), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_kib, args=(child.pid, stop, peak))
    watcher.start()
    code = child.wait()
    stop.set()
    watcher.join()
    return time.perf_counter() - started, peak[0] / 1024, code


def _summary(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = _mapping(folder / "plain.fwmap.json")
        slow_rule = _mapping(folder / "slow.fwmap.json", regex="(a|aa)+$")
        deep = folder / "deep.json"
        depth = 100_000
        deep.write_text('[{"code": "ok"}, ' + "[" * depth + "]" * depth + ', {"code": "ok"}]')
        records = folder / "records.json"
        rows = [{"code": "aaaa"} for _ in range(999)] + [{"code": "a" * 60 + "b"}]
        records.write_text(json.dumps(rows))
        deep_mb: list[float] = []
        base_s: list[float] = []
        slow_s: list[float] = []
        codes: set[tuple[str, int]] = set()
        for _ in range(args.rounds):  # interleaved: each round runs every case once
            _s, peak, code = _run(plain, deep, folder / "deep.out.json")
            deep_mb.append(peak)
            codes.add(("deep", code))
            seconds, _mb, code = _run(plain, records, folder / "base.out.json")
            base_s.append(seconds)
            codes.add(("base", code))
            seconds, _mb, code = _run(slow_rule, records, folder / "slow.out.json")
            slow_s.append(seconds)
            codes.add(("slow", code))
    extra = [slow - base for slow, base in zip(slow_s, base_s, strict=True)]
    print(f"rounds: {args.rounds} (min / median / max); exit codes {sorted(codes)}")
    print(f"100,000-level nesting file, peak memory of the run: {_summary(deep_mb)} MB")
    print(f"1,000 records, plain run: {_summary(base_s)} s")
    print(f"same with a catastrophic regex rule failing one record: {_summary(slow_s)} s")
    print(f"time the catastrophic record adds: {_summary(extra)} s (target < 1 s)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
