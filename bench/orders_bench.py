"""Orders `nested` benchmark (run on demand: `python bench/orders_bench.py`).

Issue 15's evidence: the whole-file run of bench/orders_nested.fwmap.json (a
`fieldwright run` process) against the hand-written `orders.py nested` (a
process), in interleaved rounds, on the generated orders (100,000 by default,
fixed seed). Prints each side's seconds and records/s, the ratio
reference seconds / Fieldwright seconds (1.00x = as fast as the hand-written
loop; the target is >= 0.5x), both outputs' agreement (money compared as
numbers, keys in order), the same ratio of processor seconds (steadier when
other work shares the machine) and the peak memory (VmHWM) of each child. Each figure
is the min / median / max of the rounds.

`--polars` adds the hand-written Polars script (`orders.py polars-nested`) to each round
and prints the same ratios against it (issue 18: the columnar yardstick). The run is
`fieldwright run` with the default `--engine auto`: this mapping (items mapped one by one,
expressions) does not lower to the columnar engine (`fieldwright validate --engine polars`
says why, field by field), so auto runs it on rows and the ratio is the row engine's
against the Polars script; the bench says which engine ran. The script's output is
compared too.

orders.py is found in ../shared/bench (or FIELDWRIGHT_SHARED_BENCH).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _bytecode import byte_compile_fieldwright

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "bench" / "orders_nested.fwmap.json"
FIELDWRIGHT = [sys.executable, "-m", "fieldwright"]


def _orders_script() -> Path:
    given = os.environ.get("FIELDWRIGHT_SHARED_BENCH")
    candidates = [Path(given)] if given else []
    candidates += [parent / "shared" / "bench" for parent in REPO.parents[:3]]
    for folder in candidates:
        if (folder / "orders.py").is_file():
            return folder / "orders.py"
    sys.exit("orders.py not found: set FIELDWRIGHT_SHARED_BENCH to the folder holding it")


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


def _cpu() -> float:
    """Processor seconds (user + system) of the children waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str]) -> tuple[float, float, float, str]:
    """Seconds, processor seconds, peak MB and standard output of one child process;
    exits when it fails."""
    started, cpu = time.perf_counter(), _cpu()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_kib, args=(child.pid, stop, peak))
    watcher.start()
    out, err = child.communicate()
    stop.set()
    watcher.join()
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {child.returncode}: {err.decode(errors='replace')}")
    elapsed = time.perf_counter() - started
    return elapsed, _cpu() - cpu, peak[0] / 1024, out.decode(errors="replace")


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _cents(value: Any) -> Any:
    """`value` with every float rounded to cents: the Polars script computes money in binary
    (17.400000000000002 for 17.4), so its money is compared as amounts of cents."""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, list):
        return [_cents(item) for item in value]
    if isinstance(value, dict):
        return {key: _cents(item) for key, item in value.items()}
    return value


def _summary(values: list[float], fmt: str = ".2f") -> str:
    return f"{min(values):{fmt}} / {statistics.median(values):{fmt}} / {max(values):{fmt}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--polars", action="store_true", help="also time orders.py polars-nested each round"
    )
    args = parser.parse_args()
    byte_compile_fieldwright()  # as an installed copy has it
    script = _orders_script()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run(
            [sys.executable, str(script), "generate", str(folder), str(args.orders)], check=True
        )
        source = folder / "orders.ndjson"
        ours, theirs = folder / "fieldwright.ndjson", folder / "reference.ndjson"
        polars_out = folder / "polars.ndjson"
        pl_s: list[float] = []
        pl_cpu: list[float] = []
        pl_mb: list[float] = []
        engine = "rows"
        fw_s: list[float] = []
        ref_s: list[float] = []
        fw_mb: list[float] = []
        ref_mb: list[float] = []
        fw_cpu: list[float] = []
        ref_cpu: list[float] = []
        for _ in range(args.rounds):  # interleaved: each round runs both once
            seconds, cpu, peak, _said = _run(
                [sys.executable, str(script), "nested", str(source), str(theirs)]
            )
            ref_s.append(seconds)
            ref_cpu.append(cpu)
            ref_mb.append(peak)
            command = [*FIELDWRIGHT, "run", str(DOCUMENT), "-i", str(source), "-o", str(ours)]
            seconds, cpu, peak, said = _run(command)
            # which engine `--engine auto` ran, as the run itself says
            engine = "polars" if "on the columnar engine" in said else "rows"
            fw_s.append(seconds)
            fw_cpu.append(cpu)
            fw_mb.append(peak)
            if args.polars:
                polars = [sys.executable, str(script), "polars-nested", str(source)]
                seconds, cpu, peak, _said = _run([*polars, str(polars_out)])
                pl_s.append(seconds)
                pl_cpu.append(cpu)
                pl_mb.append(peak)
        produced, expected = _read(ours), _read(theirs)
        same = produced == expected and [list(r) for r in produced] == [list(r) for r in expected]
        polars_same = args.polars and _cents(_read(polars_out)) == _cents(expected)
    ratio = [ref / fw for ref, fw in zip(ref_s, fw_s, strict=True)]
    print(f"orders nested: {args.orders:,} orders, {args.rounds} rounds (min / median / max)")
    print(f"  orders.py nested   : {_summary(ref_s)} s, peak {_summary(ref_mb, '.0f')} MB")
    print(f"  fieldwright run    : {_summary(fw_s)} s, peak {_summary(fw_mb, '.0f')} MB")
    print(f"  records/s          : {_summary([args.orders / s for s in fw_s], ',.0f')}")
    print(f"  ratio (ref / fw)   : {_summary(ratio)}x (target >= 0.50x)")
    cpu_ratio = [ref / fw for ref, fw in zip(ref_cpu, fw_cpu, strict=True)]
    print(f"  cpu ratio          : {_summary(cpu_ratio)}x (processor seconds)")
    print(f"  outputs identical  : {'yes' if same else 'NO'} (money as numbers, keys in order)")
    if args.polars:
        print(f"  orders.py polars-nested: {_summary(pl_s)} s, peak {_summary(pl_mb, '.0f')} MB")
        print(f"  fieldwright ran on : the {engine} engine (--engine auto)")
        versus = [ref / fw for ref, fw in zip(pl_s, fw_s, strict=True)]
        versus_cpu = [ref / fw for ref, fw in zip(pl_cpu, fw_cpu, strict=True)]
        print(f"  ratio vs polars    : {_summary(versus)}x wall, {_summary(versus_cpu)}x cpu")
        print(f"  polars output same : {'yes' if polars_same else 'NO'} (money to the cent)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
