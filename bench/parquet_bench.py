"""Contacts from a Parquet file, columnar engine vs row engine: `python bench/parquet_bench.py`.

The contacts reference input (`contacts.py generate`, fixed seed) is written once as
Parquet by Polars (`--data DIR` keeps it); then, in interleaved rounds, each its own
process, `fieldwright run contacts.fwmap.json -i contacts.parquet --engine polars` and
`--engine rows` (and `--ndjson`: the columnar run of the same records from NDJSON, for
reference). Prints each round's wall time, CPU seconds (user + system over all threads,
from wait4: steadier than wall time on a shared machine) and peak RSS, then the row
engine's time over the columnar engine's (wall and CPU) as min / median / max, and
whether the two Parquet runs wrote the same bytes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _bytecode import byte_compile_fieldwright
from _workload import DEFAULT_WORKLOAD, timed


def _ratios(values: list[float]) -> str:
    return f"{min(values):.2f}x / {statistics.median(values):.2f}x / {max(values):.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, help="folder for the generated inputs (kept)")
    parser.add_argument("--ndjson", action="store_true", help="also time the NDJSON input")
    options = parser.parse_args()
    script = options.workload / "contacts.py"
    mapping = options.workload / "contacts.fwmap.json"
    for needed in (script, mapping):
        if not needed.is_file():
            raise SystemExit(f"{needed}: not found (give --workload DIR)")
    import polars as pl

    byte_compile_fieldwright()  # as an installed copy has it
    with tempfile.TemporaryDirectory(prefix="parquet-bench-") as scratch:
        data = options.data or Path(scratch)
        ndjson, parquet = data / "contacts.ndjson", data / "contacts.parquet"
        if not ndjson.exists():
            data.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [sys.executable, str(script), "generate", str(data), str(options.records)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if not parquet.exists():
            pl.read_ndjson(ndjson, infer_schema_length=None).write_parquet(parquet)
        out = Path(scratch)
        base = [sys.executable, "-m", "fieldwright", "run", str(mapping), "--no-progress"]
        commands = {
            "polars": [
                *base,
                "-i",
                str(parquet),
                "-o",
                str(out / "p.ndjson"),
                "--engine",
                "polars",
            ],
            "rows": [*base, "-i", str(parquet), "-o", str(out / "r.ndjson"), "--engine", "rows"],
        }
        if options.ndjson:
            commands["ndjson"] = [*base, "-i", str(ndjson), "-o", str(out / "n.ndjson"),
                                  "--engine", "polars"]  # fmt: skip
        names = list(commands)
        wall: dict[str, list[float]] = {n: [] for n in names}
        cpu: dict[str, list[float]] = {n: [] for n in names}
        peak: dict[str, list[int]] = {n: [] for n in names}
        for number in range(1, options.rounds + 1):
            for name in names if number % 2 else names[::-1]:
                # exit code 3: completed, some records failed
                elapsed, used, rss = timed(commands[name], finished=(0, 3))
                wall[name].append(elapsed)
                cpu[name].append(used)
                peak[name].append(rss)
            print(
                f"round {number}: "
                + ", ".join(
                    f"{n} {wall[n][-1]:.2f} s, CPU {cpu[n][-1]:.2f} s ({peak[n][-1]} MB)"
                    for n in names
                ),
                flush=True,
            )
        same = (out / "p.ndjson").read_bytes() == (out / "r.ndjson").read_bytes()
        speed = [r / p for r, p in zip(wall["rows"], wall["polars"], strict=True)]
        cpu_speed = [r / p for r, p in zip(cpu["rows"], cpu["polars"], strict=True)]
        print(
            f"contacts from Parquet ({options.records:,} records, {options.rounds} rounds): "
            f"row engine time / columnar time, wall {_ratios(speed)}, CPU {_ratios(cpu_speed)}"
            f" (min / median / max); peak RSS columnar {max(peak['polars'])} MB, rows "
            f"{max(peak['rows'])} MB; outputs identical: {'yes' if same else 'NO'}"
        )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
