"""Output records and table columns follow the target schema's order, not the mappings'."""

from __future__ import annotations

from fieldwright.domain import MappingDocument
from fieldwright.engine import compile_document
from fieldwright.service import output_columns


def _document() -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "target": {
                "fields": [
                    {"name": "a"},
                    {"name": "o", "type": "object", "fields": [{"name": "x"}, {"name": "y"}]},
                    {"name": "b"},
                ]
            },
            "fields": [
                {"target": "$.z", "constant": 5},
                {"target": "$.b", "constant": 1},
                {"target": "$.o.y", "constant": 2},
                {"target": "$.a", "constant": 3},
                {"target": "$.o.x", "constant": 4},
            ],
        }
    )


def test_output_fields_follow_the_target_schema_then_unlisted_in_document_order() -> None:
    compiled = compile_document(_document())
    for output in (compiled.apply({}).output, compiled.apply_many([{}])[0].output):
        assert output is not None
        assert list(output) == ["a", "o", "b", "z"]
        assert list(output["o"]) == ["x", "y"]
    assert output_columns(compiled) == ["a", "o.x", "o.y", "b", "z"]
    # The compiled fields themselves keep the document's order (traces, coverage).
    assert [f.mapping.target for f in compiled.fields][:2] == ["$.z", "$.b"]
