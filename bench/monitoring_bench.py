"""Monitoring dashboard benchmark (run on demand, not a test).

    python bench/monitoring_bench.py                  # SQLite in a temporary directory
    python bench/monitoring_bench.py --pg URL         # also PostgreSQL (own schema)
    (the PostgreSQL URL defaults to $FIELDWRIGHT_TEST_PG_URL when set)

Generates a store of 100,000 runs over 30 days and 1,000,000 dead letters (bulk
inserts, fieldwright.store.sample_activity), then times the dashboard's summary
(`fieldwright.service` → Service.monitoring) for each window, cold and warm.
Target: the summary of any window in under 1 s. The CPU time printed is this process's
(all of SQLite's work, the client side of PostgreSQL's): on a machine shared with other
work, wall time grows with the load while it does not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldwright.service import Service, Window
from fieldwright.store import Store
from fieldwright.store.sample_activity import generate_activity

TARGET = 1.0


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    schema = f"fw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench(label: str, url: str, runs: int, letters: int, repeat: int) -> bool:
    started = time.perf_counter()
    with Store.open(url, user="bench") as store:
        generate_activity(store, runs=runs, dead_letters=letters)
        if store.engine.dialect.name == "postgresql":
            with store.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
    print(
        f"{label}: generated {runs:,} runs and {letters:,} dead letters in "
        f"{time.perf_counter() - started:.1f} s"
    )
    ok = True
    with Service.open(url, user="bench") as service:
        for window in Window:
            times, cpu = [], []
            for _ in range(repeat):
                began, began_cpu = time.perf_counter(), time.process_time()
                summary = service.monitoring(window)
                times.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
            worst = max(times)
            ok = ok and worst < TARGET
            print(
                f"{label}: {window.value:>3}: first {times[0] * 1000:7.1f} ms, median "
                f"{statistics.median(times) * 1000:7.1f} ms, worst {worst * 1000:7.1f} ms, "
                f"this process's CPU median {statistics.median(cpu) * 1000:6.1f} ms "
                f"({sum(summary.totals.runs.values()):,} runs, "
                f"{sum(p.letters for p in summary.error_patterns):,} letters in the top "
                f"{len(summary.error_patterns)} patterns) {'ok' if worst < TARGET else 'SLOW'}"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", metavar="URL", default=os.environ.get("FIELDWRIGHT_TEST_PG_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    ok = True
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            ok = bench("SQLite", url, args.runs, args.letters, args.repeat) and ok
    if args.pg:
        with pg_schema(args.pg) as url:
            ok = bench("PostgreSQL", url, args.runs, args.letters, args.repeat) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
