"""The `nested` job of the orders reference workload (../shared/bench/orders.py) as a mapping
document (bench/orders_nested.fwmap.json), run as `fieldwright run FILE -i … -o …`, gives
exactly the reference script's output on 2,000 generated orders: the same records, the same
field order, money compared as numbers (issue 15, item 5).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "bench" / "orders_nested.fwmap.json"


def _orders_script() -> Path | None:
    given = os.environ.get("FIELDWRIGHT_SHARED_BENCH")
    candidates = [Path(given)] if given else []
    candidates += [parent / "shared" / "bench" for parent in REPO.parents[:3]]
    return next((c / "orders.py" for c in candidates if (c / "orders.py").is_file()), None)


SCRIPT = _orders_script()
pytestmark = pytest.mark.skipif(
    SCRIPT is None, reason="../shared/bench/orders.py not found (set FIELDWRIGHT_SHARED_BENCH)"
)


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("orders")
    subprocess.run([sys.executable, str(SCRIPT), "generate", str(folder), "2000"], check=True)
    subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "nested",
            str(folder / "orders.ndjson"),
            str(folder / "ref_nested.ndjson"),
        ],
        check=True,
    )
    return folder


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_mapping_gives_the_reference_output(orders: Path, tmp_path: Path) -> None:
    output = tmp_path / "nested.ndjson"
    result = CliRunner().invoke(
        cli,
        ["run", str(DOCUMENT), "-i", str(orders / "orders.ndjson"), "-o", str(output)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "read 2,000, written 2,000, failed 0" in result.output
    produced, expected = _read(output), _read(orders / "ref_nested.ndjson")
    assert produced == expected  # JSON numbers: money compared as numbers
    assert [list(r) for r in produced] == [list(r) for r in expected]  # and in field order
    assert [list(line) for r in produced for line in r["lines"]] == [
        list(line) for r in expected for line in r["lines"]
    ]


def test_the_workload_has_the_edge_cases_it_claims(orders: Path) -> None:
    """Orders without `items`, with `items: []`, and lines with and without a discount."""
    source = _read(orders / "orders.ndjson")
    assert any("items" not in o for o in source)
    assert any(o.get("items") == [] for o in source)
    items = [i for o in source for i in o.get("items") or []]
    assert any("discount_pct" in i for i in items)
    assert any("discount_pct" not in i for i in items)


def test_the_document_validates(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(DOCUMENT)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
