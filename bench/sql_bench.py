"""CSV → PostgreSQL benchmark (run on demand: `python bench/sql_bench.py`).

Generates a CSV file (200,000 rows × 13 columns by default: integers, text
with commas and quotes, decimals, dates, timestamps with a time zone,
booleans, empty cells), then loads it into the same PostgreSQL table, in
interleaved rounds, with:

- ``fieldwright run KEY --input people.csv --engine rows``: a stored mapping
  (pass-through, with to_integer / to_number / to_boolean on the typed columns)
  whose target is the SQL connector (the SQL sink: COPY on psycopg 3), started
  as its own process as a user would, on the row engine;
- the same with ``--engine polars``: the columnar engine (Polars reads the CSV,
  the batches reach COPY as columns; what ``--engine auto`` picks for this file);
- ``psql -c "\\copy people FROM people.csv CSV HEADER"``, also its own process.

Each round truncates the table first and checks the row count after. The
fieldwright processes read compiled bytecode, as an installed package does
(kept in the temporary folder, even under ``PYTHONDONTWRITEBYTECODE``): one
untimed run of each command comes first, so that no timed round compiles the
libraries it imports (before, the first round of a run compiled Polars'). It
prints every round's seconds, per engine the ratios fieldwright rows/s ÷ psql
rows/s (min / median / max; the target is ≥ 0.5×), each process's peak RSS, the
fieldwright processes' CPU seconds and their ratio to psql's wall time (CPU is
steadier than wall time on a shared machine; the server's work is not psql's).
``--engines rows,polars`` chooses the runs (``--engines polars`` skips the slow
row run). ``--src`` names a source tree to run fieldwright from (repeat it, e.g.
``--src ../main/src --src src``, to time a change against its base in the same
interleaved rounds; each tree's runs are labelled with its folder's parent).

PostgreSQL comes from ``--pg-url`` or ``FIELDWRIGHT_TEST_PG_URL``; the table
lives in a fresh schema dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COLUMNS = {
    "id": "bigint PRIMARY KEY",
    "first_name": "text NOT NULL",
    "last_name": "text",
    "email": "text",
    "phone": "text",
    "city": "text",
    "country": "varchar(2)",
    "amount": "numeric(12,2)",
    "quantity": "integer",
    "born": "date",
    "updated": "timestamptz",
    "active": "boolean",
    "note": "text",
}
KEY = "mapping_BENCH_SQL_COPY"
#: CSV cells are text: the typed columns get a conversion, as a real mapping has.
CONVERT = {
    "id": [{"fn": "to_integer"}],
    "amount": [{"fn": "to_number"}],
    "quantity": [{"fn": "to_integer"}],
    "active": [{"fn": "to_boolean"}],
}


def _rows(count: int) -> Iterator[list[Any]]:
    rng = random.Random(18)
    cities = ["Oslo", "Lyon", "Austin", "Kyoto", "Quito", "São Paulo", "Zürich"]
    notes = ["", "call back", 'said "maybe", later', "tab\tinside", "multi\nline", "ok; fine"]
    for n in range(1, count + 1):
        yield [
            n,
            f"First{n % 997}",
            f"Last, {n % 1009}",
            f"user{n}@example.org",
            "" if n % 7 == 0 else f"+47 {rng.randint(10_000_000, 99_999_999)}",
            rng.choice(cities),
            rng.choice(["NO", "FR", "US", "JP", "EC", "BR", "CH"]),
            f"{rng.uniform(0, 5000):.2f}",
            rng.randint(0, 500),
            f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+02:00",
            "true" if n % 3 else "false",
            rng.choice(notes),
        ]


def _document(url: str, batch_size: int) -> dict[str, Any]:
    return {
        "fieldwright": 1,
        "key": KEY,
        "name": "CSV → PostgreSQL pass-through (sql_bench)",
        "source": {"connector": {"kind": "csv", "settings": {}}},
        "target": {"connector": {"kind": "sql", "settings": {"url": url, "table": "people"}}},
        "fields": [
            {"target": f"$.{name}", "sources": f"$.{name}", "transforms": CONVERT.get(name, [])}
            for name in COLUMNS
        ],
        "run": {"batch_size": batch_size},
    }


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Seconds, peak RSS (MB) and CPU seconds (user + system) of one process; its output is
    shown only if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{command[0]} failed ({process.returncode}):\n{output}")
    return seconds, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def _summary(label: str, values: list[float], unit: str) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"  {label:<34} min {low:7.2f}{unit}  median {mid:7.2f}{unit}  max {high:7.2f}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=5000, help="the mapping's batch size")
    parser.add_argument("--pg-url", default=os.environ.get("FIELDWRIGHT_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--engines", default="rows,polars", help="fieldwright engines to time")
    parser.add_argument("--src", action="append", help="a source tree (repeat to compare)")
    args = parser.parse_args()
    trees = [Path(tree).resolve() for tree in args.src or ()]
    fieldwright = shutil.which("fieldwright") or str(Path(sys.executable).with_name("fieldwright"))
    schema = f"fw_sqlbench_{uuid.uuid4().hex[:10]}"
    target = make_url(args.pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    sa_url = target.render_as_string(hide_password=False)
    conninfo = target.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = make_url(args.pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with tempfile.TemporaryDirectory(prefix="fw-sqlbench-") as temp:
            directory = Path(temp)
            data = directory / "people.csv"
            with data.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(list(COLUMNS))
                writer.writerows(_rows(args.rows))
            with psycopg.connect(conninfo, autocommit=True) as connection:
                columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
                connection.execute(f"CREATE TABLE people ({columns})")
            env = {**os.environ, "FIELDWRIGHT_DATABASE_URL": f"sqlite:///{directory / 'store.db'}"}
            # Bytecode as an installed package has it: compiled by the import below, kept in
            # the temporary folder (PYTHONDONTWRITEBYTECODE would recompile every module per run).
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")
            document = directory / "bench.fwmap.json"
            document.write_text(json.dumps(_document(sa_url, args.batch_size)), encoding="utf-8")
            subprocess.run([fieldwright, "import", str(document)], env=env, check=True)
            run = [fieldwright, "run", KEY, "--input", str(data), "--no-progress", "--engine"]
            engines = [e.strip() for e in args.engines.split(",") if e.strip()]
            envs: dict[str, dict[str, str]] = {}
            commands: dict[str, list[str]] = {}
            for engine in engines:
                for number, tree in enumerate(trees or [None]):
                    name = f"fieldwright {engine}"
                    envs[name] = env
                    if tree is not None:  # its own store too: a newer tree would upgrade it
                        name += f" {number + 1}:{tree.parent.name}" if len(trees) > 1 else ""
                        store = f"sqlite:///{directory / f'store{number}.db'}"
                        envs[name] = {**env, "PYTHONPATH": str(tree)}
                        envs[name]["FIELDWRIGHT_DATABASE_URL"] = store
                        envs[name]["PYTHONPYCACHEPREFIX"] = str(directory / f"pycache{number}")
                        subprocess.run(  # byte-compiles the tree, as installing does
                            [sys.executable, "-m", "compileall", "-q", str(tree / "fieldwright")],
                            env=envs[name],
                            check=True,
                        )
                        imported = [fieldwright, "import", str(document)]
                        subprocess.run(imported, env=envs[name], check=True, capture_output=True)
                    commands[name] = [*run, engine]
            commands["psql \\copy"] = [
                "psql",
                conninfo,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"\\copy people FROM '{data}' WITH (FORMAT csv, HEADER true)",
            ]
            size = data.stat().st_size / 1e6
            print(
                f"CSV → PostgreSQL, {args.rows:,} rows × {len(COLUMNS)} columns ({size:.0f} MB), "
                f"batch {args.batch_size:,}"
            )
            seconds: dict[str, list[float]] = {name: [] for name in commands}
            rss: dict[str, list[float]] = {name: [] for name in commands}
            cpu: dict[str, list[float]] = {name: [] for name in commands}
            # One untimed run of each first: the libraries' bytecode (Polars, psycopg …) is
            # written by the first process that imports them, which an installed copy has.
            for name, command in commands.items():
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute("TRUNCATE people")
                _timed(command, envs.get(name, env))
            for round_number in range(1, args.rounds + 1):
                for name, command in commands.items():
                    with psycopg.connect(conninfo, autocommit=True) as connection:
                        connection.execute("TRUNCATE people")
                    took, peak, used = _timed(command, envs.get(name, env))
                    with psycopg.connect(conninfo) as connection:
                        row = connection.execute("SELECT count(*) FROM people").fetchone()
                    assert row is not None and row[0] == args.rows, (name, row)
                    seconds[name].append(took)
                    rss[name].append(peak)
                    cpu[name].append(used)
                    rate = args.rows / took
                    print(f"  round {round_number} {name:<26} {took:6.2f} s  {rate:>9,.0f} rows/s")
            copy_seconds = seconds["psql \\copy"]
            for name in commands:
                print(_summary(f"{name} seconds", seconds[name], " s"))
                print(_summary(f"{name} peak RSS", rss[name], " MB"))
                if name.startswith("fieldwright"):
                    # The server's work is not psql's: only the fieldwright process's CPU tells.
                    print(_summary(f"{name} CPU (user+sys)", cpu[name], " s"))
            for name in commands:
                if not name.startswith("fieldwright"):
                    continue
                ratios = [c / r for r, c in zip(seconds[name], copy_seconds, strict=True)]
                cpu_ratios = [c / u for u, c in zip(cpu[name], copy_seconds, strict=True)]
                print(_summary(f"ratio {name} / psql \\copy", ratios, "×"))
                print(_summary(f"  psql \\copy wall / {name} CPU", cpu_ratios, "×"))
            print("  target: ≥ 0.5× (wall time, interleaved rounds)")
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
