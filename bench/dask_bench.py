"""Dask scaling report (issue 18, item 5): `python bench/dask_bench.py [--records N …]`.

For each size, runs in interleaved rounds on the same generated contacts input
(`contacts.py generate`, fixed seed): the local columnar run (`fieldwright run --engine
polars`) and `fieldwright run --engine dask --scheduler ADDR` on a LocalCluster of two
worker processes (one thread each) started once by this script, with `--merge` (one
output written by the client) and without (partitioned outputs written by the
workers). Each run is its own process. Printed per size: wall-time ratio local /
dask (> 1: Dask is faster) as min / median / max over the rounds, the CPU-seconds
ratio (the local process's; the dask client's plus both workers' for the run, which
a shared machine's load disturbs less), peak RSS (the local process; the dask client
and the larger worker high-water mark), and whether the outputs are identical
(bytes). A scaling report, not a target: on one machine two workers share its cores
with the client, and the data passes through the page cache once per reader.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: The nearest ``shared/bench`` above this file (the repository's sibling folder).
DEFAULT_WORKLOAD = next(
    (
        folder / "shared" / "bench"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared" / "bench" / "contacts.py").is_file()
    ),
    Path("shared") / "bench",
)


def _worker_usage() -> tuple[float, int]:
    """On a worker: its CPU seconds so far and peak RSS in MB."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def _timed(command: list[str]) -> tuple[float, float, int]:
    """Run `command`: wall seconds, CPU seconds and peak RSS in MB (raise if it fails)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def _ratios(values: list[float]) -> str:
    return (
        f"min {min(values):.2f}x / median {statistics.median(values):.2f}x / max {max(values):.2f}x"
    )


def _same(first: Path, others: list[Path]) -> bool:
    """Whether the concatenation of `others` holds exactly `first`'s bytes (streamed)."""
    block = 1 << 24
    with first.open("rb") as reference:
        for path in others:
            with path.open("rb") as part:
                while chunk := part.read(block):
                    if reference.read(len(chunk)) != chunk:
                        return False
        return reference.read(1) == b""


def _size(options: Any, client: Any, scratch: Path, records: int) -> str:
    script = options.workload / "contacts.py"
    mapping = options.workload / "contacts.fwmap.json"
    data = (options.data or scratch) / f"contacts-{records}"
    source = data / "contacts.ndjson"
    if not source.exists():
        data.mkdir(parents=True, exist_ok=True)
        print(f"generating {records:,} records …", flush=True)
        subprocess.run(
            [sys.executable, str(script), "generate", str(data), str(records)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (data / "contacts.csv").unlink(missing_ok=True)  # not read here
    out = scratch / "out"
    out.mkdir(exist_ok=True)
    base = [sys.executable, "-m", "fieldwright", "run", str(mapping), "-i", str(source)]
    base += ["--no-progress"]
    address = client.scheduler.address
    dask = ["--engine", "dask", "--scheduler", address, "--partition-size", options.size]
    commands = {
        "local": [*base, "-o", str(out / "local.ndjson"), "--engine", "polars"],
        "dask merge": [*base, "-o", str(out / "merged.ndjson"), *dask, "--merge"],
        "dask parts": [*base, "-o", str(out / "parts.ndjson"), *dask],
    }
    names = list(commands)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    peak: dict[str, list[int]] = {n: [] for n in names}
    for number in range(1, options.rounds + 1):
        for name in names if number % 2 else names[::-1]:
            before = client.run(_worker_usage)
            elapsed, seconds, rss = _timed(commands[name])
            after = client.run(_worker_usage)
            if name != "local":
                seconds += sum(after[w][0] - before[w][0] for w in after)
                rss = max(rss, *(after[w][1] for w in after))
            wall[name].append(elapsed)
            cpu[name].append(seconds)
            peak[name].append(rss)
        print(
            f"{records:,} round {number}: "
            + ", ".join(f"{n} {wall[n][-1]:.1f} s / {cpu[n][-1]:.1f} cpu-s" for n in names),
            flush=True,
        )
    parts = sorted(out.glob("parts.part-*.ndjson"))
    same = _same(out / "local.ndjson", [out / "merged.ndjson"]) and _same(
        out / "local.ndjson", parts
    )
    lines = [
        f"{records:,} records ({source.stat().st_size / (1 << 20):,.0f} MiB, "
        f"{len(parts)} partitions of {options.size}, {options.rounds} rounds); "
        f"local columnar median {statistics.median(wall['local']):.1f} s, "
        f"peak RSS {max(peak['local'])} MB"
    ]
    for name in names[1:]:
        speed = [a / b for a, b in zip(wall["local"], wall[name], strict=True)]
        work = [a / b for a, b in zip(cpu["local"], cpu[name], strict=True)]
        lines.append(
            f"  {name}: speed vs local {_ratios(speed)}; CPU-seconds ratio {_ratios(work)}; "
            f"peak RSS {max(peak[name])} MB (client or a worker)"
        )
    lines.append(f"  outputs identical to the local run: {'yes' if same else 'NO'}")
    for path in out.iterdir():
        path.unlink()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD)
    parser.add_argument("--records", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="64MiB", help="--partition-size of the dask runs")
    parser.add_argument("--data", type=Path, help="folder for the generated inputs (kept)")
    options = parser.parse_args()
    for needed in ("contacts.py", "contacts.fwmap.json"):
        if not (options.workload / needed).is_file():
            raise SystemExit(f"{options.workload / needed}: not found (give --workload DIR)")
    from distributed import Client, LocalCluster

    with (
        tempfile.TemporaryDirectory(prefix="dask-bench-") as scratch,
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        reports = [_size(options, client, Path(scratch), n) for n in options.records]
    print("\n".join(reports))
    if any("identical to the local run: NO" in r for r in reports):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
