"""Runs through connectors (the app's, schedules') take the columnar engine on a large NDJSON
source (auto), with the same output, counts and stored dead letters as on the row engine."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.service import engines
from fieldwright.service.facade import Service
from tests.engine.columnar.test_corpus import CONTACTS

WAIT = 60  # seconds: a ceiling for a hung run, never a pause


def test_a_large_ndjson_source_runs_columnar_with_the_same_results(
    service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        orjson.dumps({"id": n, "p": {"first": f" a{n}", "revenue": "1.5" if n % 4 else "x"}})
        for n in range(60)
    ]
    lines[9] = b'{"id": 9, "p": '  # unreadable: a dead letter in the store
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    document = MappingDocument.model_validate(CONTACTS)
    outcomes = {}
    for engine, records in (("rows", 10**9), ("polars", 10)):
        monkeypatch.setattr(engines, "AUTO_RECORDS", records)
        out = tmp_path / f"{engine}.ndjson"
        handle = service.start_run(
            document,
            source=ConnectorRef(kind="ndjson", settings={"path": str(source)}),
            target=ConnectorRef(kind="ndjson", settings={"path": str(out)}),
        )
        result = handle.wait(WAIT)
        assert result is not None and result.status is RunStatus.COMPLETED
        detail = service.run_detail(result.key)
        assert detail.details.get("engine", "rows") == engine == result.engine
        letters = [
            (x.position, x.field, x.reason, x.input) for x in service.dead_letters(result.key).items
        ]
        outcomes[engine] = (result.counts, out.read_bytes(), letters)
    assert outcomes["polars"] == outcomes["rows"]
    assert outcomes["rows"][0].failed == 1
