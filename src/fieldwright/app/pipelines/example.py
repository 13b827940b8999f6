"""A small branching pipeline and its sample, written to a folder: for the screenshots and
the GUI tests' starting point (orders → lines → totals per country → big countries apart)."""

from __future__ import annotations

import json
from pathlib import Path

from fieldwright.authoring.pipeline_session import save_pipeline_file
from fieldwright.domain.pipeline import PipelineDocument

__all__ = ["EXAMPLE_ORDERS", "write_example"]

EXAMPLE_ORDERS: list[dict[str, object]] = [
    {
        "order_id": "A-1001",
        "country": "us",
        "items": [{"sku": "tea", "qty": 2}, {"sku": "mug", "qty": 1}],
    },
    {"order_id": "A-1002", "country": "de", "items": [{"sku": "tea", "qty": 2}]},
    {"order_id": "A-1003", "country": "us", "items": [{"sku": "pot", "qty": 3}]},
    {"order_id": "A-1004", "country": "fr", "items": [{"sku": "mug", "qty": "two"}]},
    {
        "order_id": "A-1005",
        "country": "de",
        "items": [{"sku": "cup", "qty": 1}, {"sku": "tea", "qty": 1}],
    },
    {"order_id": "A-1006", "country": "jp", "items": []},
]

_PIPELINE: dict[str, object] = {
    "fieldwright_pipeline": 1,
    "key": "pipeline_SHOP_BI_DEMO_20261203",
    "name": "Quantities per country",
    "source": {"connector": {"kind": "ndjson"}},
    "target": {"connector": {"kind": "ndjson"}},
    "steps": [
        {
            "name": "lines",
            "type": "unwind",
            "path": "$.items",
            "carry": {"order_id": "$.order_id", "country": "$.country"},
        },
        {
            "name": "per country",
            "type": "aggregate",
            "group_by": ["$.country"],
            "aggregates": [
                {"name": "orders", "fn": "count_distinct", "field": "$.order_id"},
                {"name": "qty", "fn": "sum", "field": "$.qty"},
            ],
        },
        {
            "name": "split",
            "type": "route",
            "branches": [
                {
                    "name": "big",
                    "when": "qty > `5`",
                    "target": {"connector": {"kind": "ndjson", "settings": {"path": "big.ndjson"}}},
                },
                {
                    "name": "small",
                    "steps": [{"name": "by qty", "type": "sort", "keys": [{"field": "$.qty"}]}],
                },
            ],
        },
    ],
}


def write_example(folder: Path) -> tuple[Path, Path]:
    """Write `orders.ndjson` and `per_country.fwpipe.json` into `folder`; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = folder / "orders.ndjson"
    sample.write_text("".join(json.dumps(o) + "\n" for o in EXAMPLE_ORDERS), encoding="utf-8")
    pipeline = folder / "per_country.fwpipe.json"
    save_pipeline_file(PipelineDocument.model_validate(_PIPELINE), pipeline)
    return pipeline, sample
