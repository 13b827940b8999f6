"""The pipeline document: canonical JSON, format version, problems at JSON pointers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldwright.domain import DocumentError
from fieldwright.domain.pipeline import AggregateStep, PipelineDocument, UnwindStep
from fieldwright.domain.pipeline_canonical import (
    PipelineError,
    dumps_pipeline,
    is_pipeline_data,
    load_pipeline,
    loads_pipeline,
    save_pipeline,
)

REPO = Path(__file__).resolve().parents[2]

TEXT = """{
  "fieldwright_pipeline": 1,
  "key": "pipeline_SHOP_ERP_ACME_20261203",
  "name": "Lines",
  "client": "ACME",
  "steps": [
    {"type": "unwind", "name": "lines", "path": "$.items", "carry": {"id": "$.id"}},
    {"name": "per id", "type": "aggregate", "group_by": ["$.id"],
     "aggregates": [{"name": "n", "fn": "count"}]}
  ]
}"""


def test_canonical_text_is_stable_and_keeps_step_types(tmp_path: Path) -> None:
    document = loads_pipeline(TEXT)
    assert isinstance(document.steps[0], UnwindStep)
    assert isinstance(document.steps[1], AggregateStep)
    text = dumps_pipeline(document)
    data = json.loads(text)
    assert list(data["steps"][0])[:2] == ["name", "type"]  # name first, type kept
    assert data["steps"][0] == {
        "name": "lines",
        "type": "unwind",
        "path": "$.items",
        "carry": {"id": "$.id"},
    }
    assert "run" not in data and "spill_after" not in data  # defaults left out
    path = tmp_path / "p.fwpipe.json"
    save_pipeline(document, path)
    assert path.read_text(encoding="utf-8") == text
    assert dumps_pipeline(load_pipeline(path)) == text  # two saves are byte-identical
    assert is_pipeline_data(data) and not is_pipeline_data({"fieldwright": 1})


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (lambda d: d.pop("fieldwright_pipeline"), "/fieldwright_pipeline", "missing format"),
        (lambda d: d.update(fieldwright_pipeline=9), "/fieldwright_pipeline", "newer Fieldwright"),
        (lambda d: d["steps"][0].update(type="explode"), "/steps/0/type", "unknown step type"),
        (lambda d: d["steps"][0].update(bogus=1), "/steps/0/bogus", "unknown key"),
        (lambda d: d["steps"][1].update(name="lines"), "/steps", "both named 'lines'"),
        (
            lambda d: d["steps"][1]["aggregates"][0].update(fn="sum"),
            "/steps/1/aggregates/0",
            "sum needs the field",
        ),
        (lambda d: d["steps"][0].update(name="  "), "/steps/0/name", "not a step name"),
        (lambda d: d.update(client="acme"), "/client", "not a code"),
        (
            lambda d: d["steps"].append({"name": "m", "type": "map", "mapping": 3}),
            "/steps/2/mapping",
            "mapping document or the path",
        ),
        (
            lambda d: d["steps"].append(
                {
                    "name": "e",
                    "type": "enrich",
                    "source": {"kind": "csv"},
                    "on": {"$.a": "$.a"},
                    "how": "inner",
                    "no_match": "dead_letter",
                }
            ),
            "/steps/2",
            "no_match applies to left joins",
        ),
    ],
)
def test_problems_name_their_pointer(change, pointer: str, words: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(TEXT)
    change(data)
    with pytest.raises(PipelineError) as caught:
        loads_pipeline(json.dumps(data), source="p.fwpipe.json")
    assert isinstance(caught.value, DocumentError)
    problems = {p.pointer: p.message for p in caught.value.problems}
    assert pointer in problems, problems
    assert words in problems[pointer]
    assert str(caught.value).startswith("p.fwpipe.json: the pipeline document has")


def test_inline_mapping_problems_point_into_the_mapping() -> None:
    data = json.loads(TEXT)
    data["steps"].append(
        {
            "name": "m",
            "type": "map",
            "mapping": {
                "fieldwright": 1,
                "key": "k",
                "name": "m",
                "fields": [{"target": "$.a", "oops": 1}],
            },
        }
    )
    with pytest.raises(PipelineError) as caught:
        loads_pipeline(json.dumps(data))
    assert [p.pointer for p in caught.value.problems] == ["/steps/2/mapping/fields/0/oops"]


def test_bench_pipelines_are_canonical_documents() -> None:
    for name in ("orders_lines.fwpipe.json", "orders_daily.fwpipe.json"):
        data = json.loads((REPO / "bench" / name).read_text(encoding="utf-8"))
        assert is_pipeline_data(data)
        assert data["key"].startswith("pipeline_")
    assert PipelineDocument.model_fields["spill_after"].default == 20_000


def test_route_branches_keep_their_steps_types_and_names_are_checked() -> None:
    data = json.loads(TEXT)
    data["steps"].append(
        {
            "name": "split",
            "type": "route",
            "mode": "all",
            "branches": [
                {
                    "name": "big",
                    "when": "n > `2`",
                    "steps": [{"name": "s", "type": "sort", "keys": [{"field": "$.n"}]}],
                },
                {"name": "rest"},
            ],
        }
    )
    text = dumps_pipeline(loads_pipeline(json.dumps(data)))
    branch = json.loads(text)["steps"][2]["branches"][0]
    assert branch["steps"][0] == {"name": "s", "type": "sort", "keys": [{"field": "$.n"}]}
    data["steps"][2]["branches"][1]["name"] = "big"
    data["steps"][2]["branches"][0]["steps"].append(
        {"name": "s", "type": "dedupe", "keys": ["$.n"]}
    )
    with pytest.raises(PipelineError) as caught:
        loads_pipeline(json.dumps(data))
    messages = {p.pointer: p.message for p in caught.value.problems}
    assert "both named 's'" in messages["/steps/2/branches/0/steps"]
    data["steps"][2]["branches"][0]["steps"].pop()
    with pytest.raises(PipelineError) as caught:
        loads_pipeline(json.dumps(data))
    messages = {p.pointer: p.message for p in caught.value.problems}
    assert "big is given twice" in messages["/steps/2/branches"]
