"""Start-up of `fieldwright run KEY` (run on demand: `python bench/startup_bench.py`).

Imports a stored mapping (CSV → NDJSON, three fields) into a fresh SQLite store, then
runs ``fieldwright run KEY --input small.csv`` (10 rows) as its own process, in
interleaved rounds, once per source tree given with ``--src`` (default: this
checkout's ``src``; pass two, e.g. ``--src ../main/src --src src``, to compare a
change with its base). Every process reads compiled bytecode, as an installed package
does (kept in the temporary folder, even under ``PYTHONDONTWRITEBYTECODE``). Prints
each tree's CPU seconds (user + system) and wall seconds min / median / max, and, with
two trees, the ratios first ÷ second (min / median / max). ``--importtime`` prints the
ten slowest imports of one run per tree (``python -X importtime``).
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

KEY = "startup_bench"
ROWS = 10


def _document(output: Path) -> dict[str, object]:
    return {
        "fieldwright": 1,
        "key": KEY,
        "name": "start-up bench (CSV → NDJSON)",
        "source": {"connector": {"kind": "csv", "settings": {}}},
        "target": {"connector": {"kind": "ndjson", "settings": {"path": str(output)}}},
        "fields": [
            {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_integer"}]},
            {
                "target": "$.name",
                "sources": "$.name",
                "transforms": [{"fn": "trim"}, {"fn": "upper"}],
            },
            {"target": "$.city", "sources": "$.city"},
        ],
    }


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed:\n{output}")
    return seconds, usage.ru_utime + usage.ru_stime


def _summary(label: str, values: list[float], unit: str) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"  {label:<28} min {low:6.3f}{unit}  median {mid:6.3f}{unit}  max {high:6.3f}{unit}"


def _importtime(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|", 2)
        if not name.startswith("  ") or name.startswith("   "):
            rows.append((int(cumulative), name.strip()))  # top-level imports only
    rows.sort(reverse=True)
    return "\n".join(f"    {us / 1e6:6.3f} s  {name}" for us, name in rows[:10])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--src", action="append", help="a source tree (repeat to compare)")
    parser.add_argument("--importtime", action="store_true", help="slowest imports per tree")
    args = parser.parse_args()
    trees = [Path(s).resolve() for s in (args.src or [Path(__file__).parents[1] / "src"])]
    with tempfile.TemporaryDirectory(prefix="fw-startup-") as temp:
        directory = Path(temp)
        data = directory / "small.csv"
        lines = ["id,name,city", *(f"{i}, person {i} ,city {i % 3}" for i in range(ROWS))]
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        envs: dict[Path, dict[str, str]] = {}
        for number, tree in enumerate(trees):
            env = {
                **os.environ,
                "PYTHONPATH": str(tree),
                "FIELDWRIGHT_DATABASE_URL": f"sqlite:///{directory / f'store{number}.db'}",
                "PYTHONPYCACHEPREFIX": str(directory / f"pycache{number}"),
            }
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            envs[tree] = env
            document = directory / f"bench{number}.fwmap.json"
            output = directory / f"out{number}.ndjson"
            document.write_text(json.dumps(_document(output)), encoding="utf-8")
            fieldwright = [sys.executable, "-m", "fieldwright"]
            subprocess.run([*fieldwright, "import", str(document)], env=env, check=True)
            subprocess.run(  # byte-compiles fieldwright's modules, as installing does
                [sys.executable, "-m", "compileall", "-q", str(tree / "fieldwright")],
                env=env,
                check=True,
            )
        run = [sys.executable, "-m", "fieldwright", "run", KEY, "--input", str(data)]
        run.append("--no-progress")
        for tree in trees:  # one warm-up run per tree (bytecode of the libraries)
            _timed(run, envs[tree])
        wall: dict[Path, list[float]] = {tree: [] for tree in trees}
        cpu: dict[Path, list[float]] = {tree: [] for tree in trees}
        for _round in range(args.rounds):
            for tree in trees:
                took, used = _timed(run, envs[tree])
                wall[tree].append(took)
                cpu[tree].append(used)
        print(f"`fieldwright run KEY --input small.csv` ({ROWS} rows), {args.rounds} rounds")
        for tree in trees:
            print(f"{tree}")
            print(_summary("CPU (user+sys)", cpu[tree], " s"))
            print(_summary("wall", wall[tree], " s"))
            if args.importtime:
                print(_importtime(run, envs[tree]))
        if len(trees) == 2:
            first, second = trees
            for label, values in (("CPU", cpu), ("wall", wall)):
                ratios = [a / b for a, b in zip(values[first], values[second], strict=True)]
                print(_summary(f"{label} ratio first / second", ratios, "×"))


if __name__ == "__main__":
    main()
