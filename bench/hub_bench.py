"""Integration Hub benchmark (run on demand: `python bench/hub_bench.py`).

A store with `--mappings` stored mappings (default 500, spread over clients and
systems, each with a few saved versions of real size) and a generated month of
runs (`store/sample_activity.py`), then, interleaved round by round on the same
store:

- hub:    `Service.integrations()` (a fixed handful of aggregate queries; the
          documents' codes are read in SQL from the latest versions' JSON)
- naive:  what a page would do without it: list the mappings, open each latest
          document for its codes and connectors, list the schedules and
          compute the monitoring summary

It prints the seconds of each (min / median / max), the naive / hub ratio of the
medians, and the number of SELECT statements each issued. `--pg-url URL` runs it
on PostgreSQL (a fresh schema) instead of a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from fieldwright.domain import FORMAT_VERSION, MappingDocument
from fieldwright.domain.document import FieldMapping
from fieldwright.service import Service, Window
from fieldwright.store import MappingRepository, Store
from fieldwright.store.sample_activity import generate_activity

CLIENTS = ("ACME", "GLOBEX", "INITECH", "UMBRELLA", "HOOLI", "STARK", "WAYNE")
PAIRS = (("HS", "CRM"), ("SFDC", "CRM"), ("QBT", "WFN"), ("IREADY", "ASMT"), ("SHOP", "ERP"))


def _fill(url: str, count: int) -> None:
    with Store.open(url, user="bench") as store:
        generate_activity(store, runs=3000, dead_letters=5000)
        mappings = MappingRepository(store)
        for n in range(count):
            source, target = PAIRS[n % len(PAIRS)]
            client = CLIENTS[n % len(CLIENTS)]
            document = MappingDocument(
                fieldwright=FORMAT_VERSION,
                key=f"mapping_{source}_{target}_{client}_{20250000 + n:08d}",
                name=f"{client} {source} to {target} #{n}",
                client=client,
                source_system=source,
                target_system=target,
                fields=[
                    FieldMapping(target=f"$.f{i}", sources=[f"$.s{i}"], notes="x" * 40)
                    for i in range(40)
                ],
            )
            mappings.save_mapping(document)
            mappings.save_mapping(document.model_copy(update={"version": 1}), base_version=1)


def _naive(service: Service) -> int:
    found = 0
    for summary in service.list_mappings():
        document = service.open_mapping(summary.key)
        found += bool(document.client)
        _ = (document.source.connector, document.target.connector)
    service.list_schedules()
    service.monitoring(Window.WEEK)
    return found


def _timed(fn: Callable[[], Any], statements: list[int]) -> float:
    statements[0] = 0
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mappings", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg-url", help="PostgreSQL URL (a fresh schema is made and dropped)")
    args = parser.parse_args(argv)
    schema = f"fw_hub_bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder:
        if args.pg_url:
            admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = make_url(args.pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
            database = url.render_as_string(hide_password=False)
        else:
            database = f"sqlite:///{Path(folder) / 'hub.db'}"
        try:
            started = time.perf_counter()
            _fill(database, args.mappings)
            print(
                f"store: {args.mappings} mappings + 5 generated, 3000 runs "
                f"({time.perf_counter() - started:.1f} s to fill)"
            )
            with Service.open(database, user="bench") as service:
                selects = [0]

                def count(*call: Any) -> None:
                    if str(call[2]).lstrip().upper().startswith("SELECT"):
                        selects[0] += 1

                event.listen(service._store.engine, "before_cursor_execute", count)
                hub: list[float] = []
                naive: list[float] = []
                hub_selects = naive_selects = 0
                for _ in range(args.rounds):
                    hub.append(_timed(service.integrations, selects))
                    hub_selects = selects[0]
                    naive.append(_timed(lambda: _naive(service), selects))
                    naive_selects = selects[0]
                shown = service.integrations()
            for name, values, statements in (
                ("hub", hub, hub_selects),
                ("naive", naive, naive_selects),
            ):
                print(
                    f"{name:6} min {min(values):.3f} s  median {statistics.median(values):.3f} s"
                    f"  max {max(values):.3f} s  ({statements} SELECTs)"
                )
            ratio = statistics.median(naive) / statistics.median(hub)
            print(f"naive / hub (medians): {ratio:.1f}x; {shown.total} integrations")
        finally:
            if args.pg_url:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
