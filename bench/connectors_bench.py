"""Connector benchmark (run on demand: `python bench/connectors_bench.py`).

Measures, in one run on the same generated data, records/second of:

- CSV → NDJSON: Fieldwright's file run (`fieldwright.service.run_file`, a
  pass-through mapping, atomic sink + manifest) vs a plain ``csv`` + ``json`` loop;
- NDJSON → PostgreSQL: the engine run (NdjsonSource → mapping → SqlSink,
  batch 1,000, direct insert and staging), SqlSink alone on pre-parsed records,
  vs plain psycopg ``executemany`` (batch 1,000, one commit per batch) and
  ``COPY … FROM STDIN`` (psycopg ``cursor.copy``).

PostgreSQL comes from ``--pg-url`` or ``FIELDWRIGHT_TEST_PG_URL``; every
table lives in a fresh schema dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
from sqlalchemy.engine import make_url

from fieldwright.connectors import NdjsonSource, SqlSink
from fieldwright.domain import MappingDocument
from fieldwright.engine import compile_document, execute
from fieldwright.service import run_file

COLUMNS = ["id", "first_name", "last_name", "email", "city", "amount", "created"]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _document() -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_BENCH_CONNECTORS",
            "name": "pass-through",
            "fields": [{"target": f"$.{name}", "sources": f"$.{name}"} for name in COLUMNS],
        }
    )


def _rows(count: int) -> Iterator[list[Any]]:
    rng = random.Random(7)
    cities = ["Oslo", "Lyon", "Austin", "Kyoto", "Quito"]
    for n in range(1, count + 1):
        yield [
            n,
            f"First{n % 997}",
            f"Last{n % 1009}",
            f"user{n}@example.org",
            rng.choice(cities),
            round(rng.uniform(0, 5000), 2),
            f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
        ]


def _timed(label: str, count: int, action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(f"  {label:<44} {seconds:7.2f} s  {rate:>10,.0f} rows/s")
    return rate


def bench_files(directory: Path, count: int) -> None:
    source = directory / "people.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(_rows(count))
    print(f"CSV → NDJSON, {count:,} rows × {len(COLUMNS)} columns")
    document = _document()

    def engine() -> None:
        result = run_file(document, source, directory / "engine.ndjson")
        assert result.counts.written == count, result.message

    def plain() -> None:
        with source.open(newline="") as inp, (directory / "plain.ndjson").open("w") as out:
            for row in csv.DictReader(inp):
                out.write(json.dumps(row) + "\n")

    fast = _timed("fieldwright run_file", count, engine)
    base = _timed("plain csv.DictReader + json.dumps", count, plain)
    print(f"  ratio fieldwright / plain: {fast / base:.2f}×")


def _pg(url: str, schema: str) -> tuple[str, str]:
    """The SQLAlchemy URL with the schema on the search path, and the libpq one."""
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return parsed.render_as_string(hide_password=False), libpq


def _create(conninfo: str, table: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {table} (id bigint PRIMARY KEY, first_name text, last_name text, "
            "email text, city text, amount numeric(12,2), created date)"
        )


def _count(conninfo: str, table: str) -> int:
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def bench_postgres(directory: Path, count: int, url: str) -> None:
    ndjson = directory / "people.ndjson"
    with ndjson.open("wb") as out:
        for row in _rows(count):
            out.write(orjson.dumps(dict(zip(COLUMNS, row, strict=True))) + b"\n")
    schema = f"fw_bench_{uuid.uuid4().hex[:10]}"
    sa_url, conninfo = _pg(url, schema)
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    print(f"NDJSON → PostgreSQL, {count:,} rows, batch 1,000")
    compiled = compile_document(_document())
    records = [orjson.loads(line) for line in ndjson.read_bytes().splitlines()]
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    insert = f"INSERT INTO {{}} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    try:

        def engine_run(table: str, staging: bool) -> Callable[[], None]:
            def run() -> None:
                _create(conninfo, table)
                source = NdjsonSource(ndjson)
                sink = SqlSink(sa_url, table, staging=staging, batch_size=1000)
                outcome = execute(compiled, source, sink, batch_size=1000)
                source.close()
                assert outcome.counts.written == count, outcome.message

            return run

        def sink_only() -> None:
            _create(conninfo, "sink_only")
            sink = SqlSink(sa_url, "sink_only", batch_size=1000)
            for start in range(0, count, 1000):
                sink.write_batch(records[start : start + 1000])
            sink.commit()

        def executemany() -> None:
            _create(conninfo, "plain")
            with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
                for start in range(0, count, 1000):
                    batch = records[start : start + 1000]
                    cursor.executemany(
                        insert.format("plain"), [[r[c] for c in COLUMNS] for r in batch]
                    )
                    connection.commit()

        def copy() -> None:
            _create(conninfo, "copied")
            with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
                with cursor.copy(f"COPY copied ({', '.join(COLUMNS)}) FROM STDIN") as stream:
                    for record in records:
                        stream.write_row([record[c] for c in COLUMNS])
                connection.commit()

        engine_rate = _timed("engine run → SqlSink (insert)", count, engine_run("engine", False))
        staging_rate = _timed("engine run → SqlSink (staging)", count, engine_run("staged", True))
        sink_rate = _timed("SqlSink.write_batch alone (parsed records)", count, sink_only)
        plain_rate = _timed("plain psycopg executemany", count, executemany)
        copy_rate = _timed("plain psycopg COPY", count, copy)
        for table in ("engine", "staged", "sink_only", "plain", "copied"):
            assert _count(conninfo, table) == count, table
        print(f"  ratio engine run / executemany: {engine_rate / plain_rate:.2f}×")
        print(f"  ratio staging run / executemany: {staging_rate / plain_rate:.2f}×")
        print(f"  ratio SqlSink alone / executemany: {sink_rate / plain_rate:.2f}×")
        print(f"  ratio engine run / COPY: {engine_rate / copy_rate:.2f}×")
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows for CSV → NDJSON")
    parser.add_argument("--pg-rows", type=int, default=100_000, help="rows for → PostgreSQL")
    parser.add_argument("--pg-url", default=os.environ.get("FIELDWRIGHT_TEST_PG_URL", DEFAULT_PG))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fw-bench-") as temp:
        directory = Path(temp)
        bench_files(directory, args.rows)
        bench_postgres(directory, args.pg_rows, args.pg_url)


if __name__ == "__main__":
    main()
