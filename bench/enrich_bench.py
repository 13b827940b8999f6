"""Enrich from a SQL table: read whole and indexed (mode index) against looked up in batches
(mode lookup), on SQLite, in one process, interleaved rounds.

    python bench/enrich_bench.py [--rows 200000] [--records 20000] [--rounds 3]
                                 [--batch 500] [--cache 10000] [--pg-url URL]

Prints, per round, each mode's wall and CPU seconds, then the ratio of lookup's
throughput over index's (min / median / max, wall and CPU) and the lookup's queries.
Lookup pays a query per batch of unseen keys; index reads the whole table once. The
ratio says where each is the better choice: lookup wins when the records name few of
the table's rows (a large table), index when they name many.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from fieldwright.domain.pipeline import PipelineDocument  # noqa: E402
from fieldwright.domain.records import Position, SourceItem  # noqa: E402
from fieldwright.engine.pipeline import compile_pipeline, execute_pipeline  # noqa: E402
from fieldwright.engine.pipeline.steps import EnrichRuntime  # noqa: E402
from fieldwright.service.enrich_sources import enrich_resolver  # noqa: E402


class _Sink:
    name = "bench"

    def __init__(self) -> None:
        self.count = 0

    def write_batch(self, records: Any) -> None:
        self.count += len(records)

    def commit(self) -> None:
        return None

    def abort(self) -> None:
        return None


@contextmanager
def _database(pg_url: str | None, folder: Path) -> Iterator[str]:
    """A SQLite file in `folder`, or a schema of its own on PostgreSQL, dropped after."""
    if pg_url is None:
        yield f"sqlite:///{folder / 'hr.db'}"
        return
    schema = f"fw_enrich_bench_{os.getpid()}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _table(url: str, rows: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE employees (emp_id INTEGER PRIMARY KEY, name TEXT, dept TEXT)")
        )
        connection.execute(
            text("INSERT INTO employees VALUES (:i, :n, :d)"),
            [{"i": i, "n": f"person {i}", "d": f"dept {i % 40}"} for i in range(rows)],
        )
    engine.dispose()


def _document(url: str, mode: str, batch: int, cache: int) -> PipelineDocument:
    return PipelineDocument.model_validate(
        {
            "fieldwright_pipeline": 1,
            "key": "pipeline_BENCH",
            "name": "bench",
            "steps": [
                {
                    "name": "who",
                    "type": "enrich",
                    "source": {"kind": "sql", "settings": {"url": url, "table": "employees"}},
                    "on": {"$.emp": "$.emp_id"},
                    "fields": {"name": "$.name", "dept": "$.dept"},
                    "mode": mode,
                    **({"batch_size": batch, "cache_size": cache} if mode == "lookup" else {}),
                }
            ],
        }
    )


def _once(document: PipelineDocument, records: list[dict[str, Any]]) -> tuple[float, float, int]:
    compiled = compile_pipeline(document, enrich_resolver(None, None))
    items = (SourceItem(Position(line=n), r) for n, r in enumerate(records, 1))
    sink = _Sink()
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = execute_pipeline(compiled, items, sink)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert outcome.counts.written == len(records), outcome
    step = compiled.steps[0]
    assert isinstance(step, EnrichRuntime)
    return wall, cpu, step.lookups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--cache", type=int, default=10_000)
    parser.add_argument("--pg-url", default=None, help="a PostgreSQL URL instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _database(args.pg_url, Path(folder)) as url:
        _table(url, args.rows)
        rng = random.Random(7)
        records = [{"emp": rng.randrange(args.rows), "h": 8} for _ in range(args.records)]
        modes = {
            "index": _document(url, "index", args.batch, args.cache),
            "lookup": _document(url, "lookup", args.batch, args.cache),
        }
        wall: dict[str, list[float]] = {"index": [], "lookup": []}
        cpu: dict[str, list[float]] = {"index": [], "lookup": []}
        batches = 0
        for number in range(1, args.rounds + 1):
            order = list(modes) if number % 2 else list(reversed(modes))
            for mode in order:
                w, c, batches_run = _once(modes[mode], records)
                wall[mode].append(w)
                cpu[mode].append(c)
                if mode == "lookup":
                    batches = batches_run
                print(f"round {number} {mode:6}: {w:6.2f} s wall, {c:6.2f} s CPU")
        ratios = sorted(i / lk for i, lk in zip(wall["index"], wall["lookup"], strict=True))
        cpu_ratios = sorted(i / lk for i, lk in zip(cpu["index"], cpu["lookup"], strict=True))
        print(
            f"{args.records:,} records against {args.rows:,} rows "
            f"({'PostgreSQL' if args.pg_url else 'SQLite'}), batch {args.batch}, "
            f"cache {args.cache}: {batches} lookup queries per run"
        )
        print(
            "lookup throughput / index: wall "
            f"{ratios[0]:.2f} / {statistics.median(ratios):.2f} / {ratios[-1]:.2f}×, CPU "
            f"{cpu_ratios[0]:.2f} / {statistics.median(cpu_ratios):.2f} / {cpu_ratios[-1]:.2f}×"
        )


if __name__ == "__main__":
    main()
