"""Store benchmark (run on demand, not a test).

    python bench/store_bench.py                       # SQLite in a temporary directory
    python bench/store_bench.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Measures: save and load of a mapping with 500 field mappings; listing 10,000
runs page by page (100 per page, keyset paging, newest first).
Targets on SQLite: save < 100 ms, one page of 100 runs < 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from fieldwright.domain import FORMAT_VERSION, FieldMapping, MappingDocument, TransformStep
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.store import MappingRepository, RunRepository, Store
from fieldwright.store.models import Run

FIELDS = 500
RUNS = 10_000
PAGE = 100


def big_document(key: str) -> MappingDocument:
    return MappingDocument(
        fieldwright=FORMAT_VERSION,
        key=key,
        name="Bench mapping",
        fields=[
            FieldMapping(
                target=f"$.employee.field_{i}",
                sources=[f"$.source.col_{i}"],
                transforms=[TransformStep(fn="trim"), TransformStep(fn="upper")],
                required=i % 7 == 0,
            )
            for i in range(FIELDS)
        ],
    )


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    print(
        f"  {label:<38} median {statistics.median(samples):7.2f} ms   "
        f"p95 {sorted(samples)[int(len(samples) * 0.95) - 1]:7.2f} ms   max {max(samples):7.2f} ms"
        f"   (n={len(samples)})"
    )


def seed_runs(store: Store) -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "key": f"proc_QBT_WFN_ACME_{i:08d}",
            "mapping_key": f"mapping_QBT_WFN_C{i % 20}_20250724",
            "mapping_version": 1,
            "trigger": RunTrigger.SCHEDULE,
            "status": RunStatus.COMPLETED if i % 10 else RunStatus.FAILED,
            "started_at": t0 + timedelta(minutes=i),
            "ended_at": t0 + timedelta(minutes=i, seconds=40),
            "records_read": 100,
            "records_written": 100 if i % 10 else 90,
            "records_failed": 0 if i % 10 else 10,
            "records_filtered": 0,
            "records_skipped": 0,
            "created_by": "bench",
            "updated_by": "bench",
        }
        for i in range(RUNS)
    ]
    with store.session(write=True) as session:
        session.execute(insert(Run), rows)


def bench(store: Store) -> None:
    print(f"{store.location}")
    mappings = MappingRepository(store)
    document = big_document("mapping_BENCH_X_Y_20250724")
    mappings.save_mapping(document)
    version = [1]

    def save() -> None:
        mappings.save_mapping(document, base_version=version[0])
        version[0] += 1

    report(f"save mapping ({FIELDS} field mappings)", timed(save, 30))
    report(
        f"load mapping ({FIELDS} field mappings)",
        timed(lambda: mappings.load_mapping(document.key), 30),
    )

    start = time.perf_counter()
    seed_runs(store)
    print(f"  seeded {RUNS:,} runs in {(time.perf_counter() - start):.2f} s")
    runs = RunRepository(store)
    samples: list[float] = []
    cursor: str | None = None
    total = 0
    while True:
        start = time.perf_counter()
        page = runs.list_runs(limit=PAGE, after=cursor)
        samples.append((time.perf_counter() - start) * 1000)
        total += len(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert total == RUNS, total
    report(f"page of {PAGE} runs (all {RUNS:,}, keyset)", samples)
    filtered = timed(
        lambda: runs.list_runs(
            mapping_key="mapping_QBT_WFN_C3_20250724", status=RunStatus.FAILED, limit=PAGE
        ),
        50,
    )
    report(f"page of {PAGE} runs (mapping + status)", filtered)


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg", metavar="URL", help="also run on this PostgreSQL database (own schema)"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        Store.open(f"sqlite:///{Path(directory) / 'bench.db'}", user="bench") as store,
    ):
        bench(store)
    if args.pg:
        with pg_schema(args.pg) as url, Store.open(url, user="bench") as store:
            bench(store)


if __name__ == "__main__":
    main()
