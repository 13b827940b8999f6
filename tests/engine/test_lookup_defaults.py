"""`lookup` falls back on the table's default; a filtered record's trace says what the
filter read."""

from __future__ import annotations

from fieldwright.domain import MappingDocument
from fieldwright.engine import RecordStatus, compile_document, trace_record
from fieldwright.engine.filter_trace import filter_inputs
from fieldwright.engine.functions._expressions import compile_expression


def _document(args: list[object], defaults: dict[str, object]) -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "k",
            "name": "n",
            "lookups": {"stage": {"lead": "L", "customer": "C"}},
            "lookup_defaults": defaults,
            "fields": [
                {
                    "target": "$.stage",
                    "sources": "$.stage",
                    "transforms": [{"fn": "lookup", "args": args}],
                },
                {
                    "target": "$.stages",
                    "sources": "$.stages",
                    "transforms": [{"fn": "lookup_list", "args": args}],
                },
            ],
        }
    )


def _mapped(args: list[object], defaults: dict[str, object], record: dict[str, object]) -> object:
    result = compile_document(_document(args, defaults)).apply(record)
    assert result.status is RecordStatus.OK, result.reason()
    return result.output


def test_a_missing_key_takes_the_tables_default() -> None:
    output = _mapped(["stage"], {"stage": "?"}, {"stage": "prospect", "stages": ["lead", "x"]})
    assert output == {"stage": "?", "stages": ["L", "?"]}


def test_a_found_key_ignores_the_default() -> None:
    assert _mapped(["stage"], {"stage": "?"}, {"stage": "lead", "stages": []}) == {
        "stage": "L",
        "stages": [],
    }


def test_the_steps_own_default_wins_over_the_tables() -> None:
    output = _mapped(["stage", "none"], {"stage": "?"}, {"stage": "x", "stages": ["x"]})
    assert output == {"stage": "none", "stages": ["none"]}


def test_without_any_default_a_missing_key_gives_null() -> None:
    output = _mapped(["stage"], {}, {"stage": "x", "stages": ["x"]})
    assert output == {"stage": None, "stages": [None]}


def test_a_filtered_records_trace_names_the_filter_and_the_values_it_read() -> None:
    document = _document(["stage"], {}).model_copy(
        update={"filter": "stage != 'lost' && address.country == 'US' && length(tags) > `0`"}
    )
    trace = trace_record(compile_document(document), {"stage": "lost", "tags": ["a"]})
    assert trace.result.status is RecordStatus.FILTERED
    assert trace.filter is not None
    assert trace.filter.expression == document.filter
    assert trace.filter.seen == [("stage", "lost"), ("address.country", None), ("tags", ["a"])]


def test_a_kept_record_has_no_filter_trace() -> None:
    document = _document(["stage"], {}).model_copy(update={"filter": "stage != 'lost'"})
    trace = trace_record(compile_document(document), {"stage": "lead", "stages": []})
    assert trace.result.status is RecordStatus.OK
    assert trace.filter is None


def test_item_relative_parts_of_the_filter_are_not_record_paths() -> None:
    expression = compile_expression("lines[?qty > `1`] && lines[0].sku && sort_by(lines, &qty)")
    record = {"lines": [{"qty": 2, "sku": "A"}]}
    assert filter_inputs(expression, record).seen == [
        ("lines", [{"qty": 2, "sku": "A"}]),
        ("lines[0].sku", "A"),
    ]
