"""Engine benchmark (run on demand: `python bench/engine_bench.py`).

Measures, in one run and on the same generated data, Fieldwright's engine and
an equivalent hand-written Python function, and prints records/second and
their ratio:

- map only: 200,000 HubSpot-like contacts through a 12-field mapping;
- whole file: parse NDJSON + map + write NDJSON (the engine through the
  service's `run_file`, with its atomic sink and manifest);
- peak memory of a 1,000,000-record streaming run (a child process, max RSS).

Targets (issue 2): map-only ≥ 0.5×, whole file ≥ 0.6×, peak memory < 150 MB.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from fieldwright.domain import MappingDocument
from fieldwright.engine import compile_document
from fieldwright.engine.run import CHUNK_SIZE
from fieldwright.service import run_file

STAGES = {
    "subscriber": "Prospect",
    "lead": "Lead",
    "marketingqualifiedlead": "MQL",
    "salesqualifiedlead": "SQL",
    "opportunity": "Opportunity",
    "customer": "Customer",
}
COUNTRIES = {"United States": "US", "Canada": "CA", "Germany": "DE", "Norway": "NO"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")

DOCUMENT: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_HUBSPOT_CRM_BENCH_20250724",
    "name": "bench",
    "lookups": {"stage": STAGES, "country": COUNTRIES},
    "fields": [
        {"target": "$.crm_id", "sources": "$.id", "transforms": [{"fn": "to_integer"}]},
        {
            "target": "$.first_name",
            "sources": "$.properties.firstname",
            "transforms": [{"fn": "trim"}, {"fn": "title"}],
        },
        {
            "target": "$.last_name",
            "sources": "$.properties.lastname",
            "transforms": [{"fn": "trim"}, {"fn": "title"}],
        },
        {
            "target": "$.email",
            "sources": "$.properties.email",
            "transforms": [{"fn": "trim"}, {"fn": "lower"}],
            "required": True,
            "rules": {"regex": EMAIL.pattern},
        },
        {
            "target": "$.phone_digits",
            "sources": "$.properties.phone",
            "transforms": [{"fn": "regex_replace", "args": ["[^0-9]", ""]}],
        },
        {"target": "$.company", "sources": "$.properties.company", "transforms": [{"fn": "trim"}]},
        {
            "target": "$.stage",
            "sources": "$.properties.lifecyclestage",
            "transforms": [{"fn": "lookup", "args": ["stage", "Unknown"]}],
        },
        {
            "target": "$.country_code",
            "sources": "$.properties.country",
            "transforms": [{"fn": "lookup", "args": ["country"]}],
        },
        {
            "target": "$.created_on",
            "sources": "$.properties.createdate",
            "transforms": [{"fn": "left", "args": [10]}],
        },
        {
            "target": "$.address.city",
            "sources": "$.properties.city",
            "transforms": [{"fn": "upper"}],
        },
        {"target": "$.address.zip", "sources": "$.properties.zip"},
        {"target": "$.source_system", "constant": "hubspot"},
    ],
}


def hand_written(contact: dict[str, Any]) -> dict[str, Any] | None:
    """What an engineer would write by hand for the same 12 fields (None: the record fails)."""
    p = contact.get("properties") or {}
    email = p.get("email")
    email = email.strip().lower() if isinstance(email, str) else None
    if email is None or not EMAIL.search(email):
        return None
    phone = p.get("phone")
    city = p.get("city")
    first, last, company = p.get("firstname"), p.get("lastname"), p.get("company")
    return {
        "crm_id": int(contact["id"]),
        "first_name": first.strip().title() if first is not None else None,
        "last_name": last.strip().title() if last is not None else None,
        "email": email,
        "phone_digits": re.sub("[^0-9]", "", phone) if phone is not None else None,
        "company": company.strip() if company is not None else None,
        "stage": STAGES.get(p.get("lifecyclestage"), "Unknown"),
        "country_code": COUNTRIES.get(p.get("country")),
        "created_on": p["createdate"][:10] if p.get("createdate") is not None else None,
        "address": {"city": city.upper() if city is not None else None, "zip": p.get("zip")},
        "source_system": "hubspot",
    }


FIRST = [
    "ada",
    "grace",
    "alan",
    "katherine",
    "josé",
    "margaret",
    "hedy",
    "linus",
    "barbara",
    "edsger",
]
LAST = [
    "lovelace",
    "hopper",
    "turing",
    "johnson",
    "núñez",
    "hamilton",
    "lamarr",
    "torvalds",
    "liskov",
]
CITIES = ["Oslo", "Berlin", "Austin", "Toronto", "Zürich", "Paris"]


def contacts(count: int, seed: int = 7) -> Iterable[dict[str, Any]]:
    rng = random.Random(seed)
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        phone = f"({rng.randint(200, 999)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        created = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00.000Z"
        yield {
            "id": str(100000 + n),
            "properties": {
                "firstname": f" {first} ",
                "lastname": last,
                "email": f" {first}.{last}{n}@Example.com" if n % 97 else "broken-address",
                "phone": phone,
                "company": f"{last.title()} Industries ",
                "lifecyclestage": rng.choice([*STAGES, "other"]),
                "country": rng.choice([*COUNTRIES, "Mars"]),
                "createdate": created,
                "city": rng.choice(CITIES),
                "zip": f"{rng.randint(10000, 99999)}",
            },
            "archived": False,
        }


def best_of(
    runs: int, engine: Callable[[], int], hand: Callable[[], int]
) -> tuple[tuple[float, int], tuple[float, int]]:
    """Fastest wall time (and result) of each side over `runs` rounds.

    The two sides alternate within each round, so a slow spell of the machine
    falls on both rather than on whichever ran during it.
    """
    best = [float("inf"), float("inf")]
    results = [0, 0]
    for _ in range(runs):
        for side, work in enumerate((engine, hand)):
            gc.collect()
            started = time.perf_counter()
            results[side] = work()
            best[side] = min(best[side], time.perf_counter() - started)
    return (best[0], results[0]), (best[1], results[1])


def map_only(records: list[dict[str, Any]], runs: int) -> None:
    compiled = compile_document(MappingDocument.model_validate(DOCUMENT))

    def engine() -> int:
        # Chunks as a run maps them (see fieldwright.engine.run).
        apply_many = compiled.apply_many
        return sum(
            1
            for start in range(0, len(records), CHUNK_SIZE)
            for result in apply_many(records[start : start + CHUNK_SIZE])
            if result.output is not None
        )

    def hand() -> int:
        return sum(1 for r in records if hand_written(r) is not None)

    assert engine() == hand(), "the engine and the hand-written function disagree"
    (engine_s, ok), (hand_s, _) = best_of(runs, engine, hand)
    report("map only", len(records), engine_s, hand_s, 0.5, f"{ok:,} mapped")


def whole_file(count: int, runs: int, folder: Path) -> None:
    source = folder / "contacts.ndjson"
    with source.open("wb") as handle:
        for record in contacts(count):
            handle.write(orjson.dumps(record) + b"\n")
    document = MappingDocument.model_validate(DOCUMENT)

    def engine() -> int:
        result = run_file(document, source, folder / "engine.ndjson")
        return result.counts.written

    def hand() -> int:
        written = 0
        with source.open("rb") as inp, (folder / "hand.ndjson").open("wb") as out:
            for line in inp:
                mapped = hand_written(orjson.loads(line))
                if mapped is not None:
                    out.write(orjson.dumps(mapped) + b"\n")
                    written += 1
        return written

    (engine_s, written), (hand_s, hand_written_count) = best_of(runs, engine, hand)
    assert written == hand_written_count
    same = (
        hashlib.sha256((folder / "engine.ndjson").read_bytes()).hexdigest()
        == hashlib.sha256((folder / "hand.ndjson").read_bytes()).hexdigest()
    )
    report(
        "whole file (NDJSON→NDJSON)",
        count,
        engine_s,
        hand_s,
        0.6,
        f"identical output: {same}",
    )


def report(name: str, count: int, engine_s: float, hand_s: float, target: float, note: str) -> None:
    ratio = hand_s / engine_s
    verdict = "ok" if ratio >= target else "BELOW TARGET"
    speeds = (
        f"engine {count / engine_s:>10,.0f} rec/s   hand-written {count / hand_s:>10,.0f} rec/s"
    )
    print(f"{name:28s} {speeds}   ratio {ratio:.2f}× (target ≥ {target}×, {verdict})   {note}")


def peak_memory(count: int, folder: Path) -> None:
    source = folder / "million.ndjson"
    with source.open("wb") as handle:
        for record in contacts(count, seed=11):
            handle.write(orjson.dumps(record) + b"\n")
    size_mb = source.stat().st_size / 2**20
    child = subprocess.run(
        [sys.executable, __file__, "--child-run", str(source), str(folder / "million.out.ndjson")],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb, seconds, written = child.stdout.split()
    verdict = "ok" if float(peak_mb) < 150 else "OVER BUDGET"
    what = f"{count:,} records ({size_mb:,.0f} MB in) in {float(seconds):.1f} s, {written} written"
    peak = f"peak RSS {float(peak_mb):.0f} MB (budget < 150 MB, {verdict})"
    print(f"{'streaming run, peak memory':28s} {what}: {peak}")


def child_run(source: str, output: str) -> None:
    started = time.perf_counter()
    result = run_file(MappingDocument.model_validate(DOCUMENT), source, output)
    seconds = time.perf_counter() - started
    print(f"{_peak_rss_kb() / 1024:.1f} {seconds:.2f} {result.counts.written}")


def _peak_rss_kb() -> int:
    """This process's peak resident memory.

    On Linux ru_maxrss survives fork+exec (it would report the parent's size),
    so the high-water mark of this process's own address space is read instead.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--stream-records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--child-run", nargs=2, metavar=("SOURCE", "OUTPUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child_run:
        child_run(*args.child_run)
        return
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {datetime.now():%Y-%m-%d %H:%M}"
    )
    records = list(contacts(args.records))
    map_only(records, args.runs)
    del records  # the file runs stream: neither side should pay for a large heap
    gc.collect()
    with tempfile.TemporaryDirectory(prefix="fieldwright-bench-") as tmp:
        whole_file(args.records, args.runs, Path(tmp))
        peak_memory(args.stream_records, Path(tmp))


if __name__ == "__main__":
    main()
