"""Pipelines benchmark (run on demand: `python bench/pipelines_bench.py`).

The `lines` and `daily` jobs of the orders reference workload
(`../shared/bench/orders.py`), each run as a process, interleaved round by
round with the hand-written job on the same generated orders:

- hand-written:  python orders.py lines|daily orders.ndjson OUT
- pipeline:      fieldwright run bench/orders_lines|daily.fwpipe.json -i orders.ndjson -o OUT

It prints, per job, the throughput of the pipeline as a ratio of the
hand-written job's (min / median / max over rounds; target ≥ 0.5×), each
process's peak memory (max RSS), and whether the outputs are equal (money
compared as numbers); the ratio of the processes' processor seconds, per round
and of the fastest round of each ("fastest over fastest": on a machine other
work loads, the least disturbed rounds swing least); then the same ratio inside
one process, by CPU time, without the interpreter's start-up and imports.
`--memory-orders 1000000 --spill-after 20000` adds one run of each pipeline on
that many orders with a small spill budget: peak memory stays bounded (target
< 300 MB). The pipelines need expressions (issue 15, item 2).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bytecode import byte_compile_fieldwright

REPO = Path(__file__).resolve().parents[1]
JOBS = ("lines", "daily")


def _script(given: str | None) -> Path:
    candidates = [Path(given)] if given else []
    candidates += [parent / "shared" / "bench" / "orders.py" for parent in REPO.parents[:3]]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    sys.exit("orders.py not found: pass --orders-script PATH")


def _measure(command: list[str]) -> tuple[float, int, float]:
    """Seconds, peak memory (bytes) and processor seconds (user + system) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = process.stderr.read().decode() if process.stderr else ""
        sys.exit(f"failed: {' '.join(command)}\n{stderr}")
    return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def _fieldwright(pipeline: Path, source: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "fieldwright",
        "run",
        str(pipeline),
        "-i",
        str(source),
        "-o",
        str(output),
        "--no-progress",
    ]


def _same(a: Path, b: Path) -> bool:
    with a.open("rb") as left, b.open("rb") as right:
        return all(json.loads(x) == json.loads(y) for x, y in zip(left, right, strict=True))


def _with_budget(job: str, folder: Path, spill_after: int) -> Path:
    document = json.loads((REPO / "bench" / f"orders_{job}.fwpipe.json").read_text("utf-8"))
    document["spill_after"] = spill_after
    path = folder / f"orders_{job}.spill.fwpipe.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _in_process(script: Path, source: Path, folder: Path, rounds: int) -> None:
    """The same comparison inside one process: no interpreter start-up or imports."""
    import importlib.util

    from fieldwright.service import compile_pipeline_file, run_pipeline_file

    spec = importlib.util.spec_from_file_location("orders", script)
    assert spec is not None and spec.loader is not None
    orders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(orders)
    hand_written = {
        "lines": lambda out: orders._write(
            out, (line for o in orders._records(source) for line in orders.map_lines(o))
        ),
        "daily": lambda out: orders._write(out, orders.daily(orders._records(source))),
    }
    for job in JOBS:
        compiled = compile_pipeline_file(REPO / "bench" / f"orders_{job}.fwpipe.json")
        ratios = []
        for _ in range(rounds):
            started = time.process_time()
            hand_written[job](folder / "ref.ndjson")
            hand = time.process_time() - started
            started = time.process_time()
            run_pipeline_file(compiled, source, folder / "out.ndjson").result.raise_for_status()
            ratios.append(hand / (time.process_time() - started))
        print(
            f"{job:6} in one process (CPU time): min {min(ratios):.2f}x  "
            f"median {statistics.median(ratios):.2f}x  max {max(ratios):.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--memory-orders",
        type=int,
        default=0,
        help="also run each pipeline once on this many orders (e.g. 1000000)",
    )
    parser.add_argument("--spill-after", type=int, default=20_000)
    parser.add_argument("--orders-script")
    args = parser.parse_args()
    byte_compile_fieldwright()  # as an installed copy has it
    script = _script(args.orders_script)
    with tempfile.TemporaryDirectory(prefix="fieldwright-pipelines-bench-") as tmp:
        folder = Path(tmp)
        subprocess.run(
            [sys.executable, str(script), "generate", str(folder), str(args.orders)], check=True
        )
        source = folder / "orders.ndjson"
        print(f"{args.orders:,} orders, {args.rounds} rounds, interleaved")
        for job in JOBS:
            pipeline = REPO / "bench" / f"orders_{job}.fwpipe.json"
            ratios: list[float] = []
            cpu_ratios: list[float] = []
            cpu = {"hand-written": float("inf"), "pipeline": float("inf")}
            memory = {"hand-written": 0, "pipeline": 0}
            for _ in range(args.rounds):
                hand, hand_rss, hand_cpu = _measure(
                    [sys.executable, str(script), job, str(source), str(folder / "ref.ndjson")]
                )
                ours, our_rss, our_cpu = _measure(
                    _fieldwright(pipeline, source, folder / "out.ndjson")
                )
                ratios.append(hand / ours)
                cpu_ratios.append(hand_cpu / our_cpu)
                cpu["hand-written"] = min(cpu["hand-written"], hand_cpu)
                cpu["pipeline"] = min(cpu["pipeline"], our_cpu)
                memory["hand-written"] = max(memory["hand-written"], hand_rss)
                memory["pipeline"] = max(memory["pipeline"], our_rss)
            same = _same(folder / "ref.ndjson", folder / "out.ndjson")
            print(
                f"{job:6} throughput ratio (pipeline / hand-written): "
                f"min {min(ratios):.2f}x  median {statistics.median(ratios):.2f}x  "
                f"max {max(ratios):.2f}x; peak memory hand-written "
                f"{memory['hand-written'] / 2**20:.0f} MB, pipeline "
                f"{memory['pipeline'] / 2**20:.0f} MB; outputs equal: {same}"
            )
            print(
                f"{job:6} processor-seconds ratio (processes): min {min(cpu_ratios):.2f}x  "
                f"median {statistics.median(cpu_ratios):.2f}x  max {max(cpu_ratios):.2f}x; "
                f"fastest over fastest {cpu['hand-written'] / cpu['pipeline']:.2f}x "
                f"({cpu['hand-written']:.2f} s / {cpu['pipeline']:.2f} s)"
            )
        _in_process(script, source, folder, args.rounds)
        if args.memory_orders:
            big = folder / "big"
            subprocess.run(
                [sys.executable, str(script), "generate", str(big), str(args.memory_orders)],
                check=True,
            )
            for job in JOBS:
                pipeline = _with_budget(job, folder, args.spill_after)
                seconds, rss, _cpu = _measure(
                    _fieldwright(pipeline, big / "orders.ndjson", folder / "big.ndjson")
                )
                print(
                    f"{job:6} {args.memory_orders:,} orders, spill after {args.spill_after:,}: "
                    f"{seconds:.1f} s, peak memory {rss / 2**20:.0f} MB"
                )


if __name__ == "__main__":
    main()
