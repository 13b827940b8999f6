"""The Transformation Builder's service (issue 19, item 5): tests through the real engine,
saves that make a version only on change, use in a mapping, publish, files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldwright.domain import FORMAT_VERSION, MappingDocument, TransformStep
from fieldwright.service import (
    InvalidDocument,
    InvalidRequest,
    SaveConflict,
    Service,
    TransformationDocument,
    compile_mapping,
    new_transformation,
    open_transformation,
    run_chain_tests,
)


def phone(**changes: Any) -> TransformationDocument:
    values: dict[str, Any] = {
        "description": "Digits of a phone number",
        "steps": [{"fn": "trim"}, {"fn": "regex_replace", "args": ["\\D", ""]}],
        "tests": [
            {"name": "spaces", "input": " 555 12 ", "expected": "55512"},
            {"name": "dashes", "input": "555-1234", "expected": "5551234"},
        ],
        **changes,
    }
    return new_transformation("clean_phone", **values)


def mapping(**changes: Any) -> MappingDocument:
    data: dict[str, Any] = {
        "fieldwright": FORMAT_VERSION,
        "key": "mapping_A_B_ACME_20261203",
        "name": "Contacts",
        "fields": [{"target": "$.phone", "sources": ["$.tel"]}],
        **changes,
    }
    return MappingDocument.model_validate(data)


def test_cases_run_through_the_engine_with_actual_values_and_errors() -> None:
    document = phone(
        tests=[
            {"name": "spaces", "input": " 555 12 ", "expected": "55512"},
            {"name": "wrong", "input": "5-5", "expected": "5-5", "note": "fails on purpose"},
        ]
    )
    run = run_chain_tests(document)
    assert not run.problems and (run.passed, run.failed) == (1, 1)
    wrong = run.results[1]
    assert (wrong.passed, wrong.actual) == (False, "55")
    assert "expected '5-5', got '55'" in wrong.message
    # A failing step: its error is the actual result; expect_error makes that a pass.
    failing = new_transformation(
        "as_int",
        steps=[{"fn": "to_integer"}],
        tests=[
            {"name": "text", "input": "abc", "expect_error": True},
            {"name": "text fails", "input": "abc", "expected": 1},
            {"name": "number", "input": "42", "expected": 42},
        ],
    )
    results = run_chain_tests(failing).results
    assert [r.passed for r in results] == [True, False, True]
    assert results[0].error is not None and "step 1, to_integer" in results[0].error
    assert results[1].message.startswith("failed: ")


def test_record_reading_steps_see_the_case_record() -> None:
    document = new_transformation(
        "full_name",
        steps=[{"fn": "expression", "args": ['$value & " " & last']}],
        tests=[
            {
                "name": "joined",
                "input": "Ada",
                "record": {"last": "Lovelace"},
                "expected": "Ada Lovelace",
            }
        ],
    )
    run = run_chain_tests(document)
    assert not run.problems and run.results[0].passed, run.results[0].message


def test_chain_problems_point_into_the_transformation() -> None:
    run = run_chain_tests(phone(steps=[{"fn": "trim"}, {"fn": "to_int"}]))
    assert run.results == ()
    [problem] = run.problems
    assert problem.pointer == "/steps/1/fn" and "unknown function 'to_int'" in problem.message
    [unknown] = run_chain_tests(phone(steps=[{"fn": "trim"}, {"fn": "@nowhere"}])).problems
    assert unknown.pointer == "/steps/1/fn"
    assert unknown.message.startswith("no stored transformation is called 'nowhere'")


def test_save_history_diff_and_a_new_version_only_on_change(service: Service) -> None:
    stored = service.transformations
    first = stored.save(phone(), None, comment="first")
    assert stored.save(phone(), 1).version == 1  # unchanged: no version 2
    second = stored.save(
        phone(steps=[{"fn": "regex_replace", "args": ["\\D", ""]}]), 1, comment="no trim"
    )
    assert second.version == 2
    assert [v.version for v in stored.history(first.key)] == [2, 1]
    assert stored.diff(first.key, 1).lines() == ["step 0 removed: trim()"]
    with pytest.raises(SaveConflict):
        stored.save(phone(description="stale"), 1)
    [summary] = stored.list_transformations("phone")
    assert (summary.latest_version, summary.test_count) == (2, 2)
    assert stored.run_tests(first.key).ok
    assert stored.delete(first.key) == 2 and stored.list_transformations() == []


def test_a_stored_chain_can_call_another_stored_chain(service: Service) -> None:
    stored = service.transformations
    stored.save(phone(), None)
    upper_phone = new_transformation(
        "phone_label",
        steps=[{"fn": "@clean_phone"}, {"fn": "expression", "args": ['"tel:" & $value']}],
        tests=[{"name": "label", "input": " 55-5 ", "expected": "tel:555"}],
    )
    assert set(stored.library_for(upper_phone)) == {"clean_phone"}
    run = stored.test(upper_phone)
    assert run.ok, [r.message for r in run.results] + [str(p) for p in run.problems]


def test_use_in_a_mapping_copies_the_chain_and_what_it_calls_then_runs(
    service: Service,
) -> None:
    stored = service.transformations
    stored.save(phone(), None)
    stored.save(
        new_transformation("phone_label", steps=[{"fn": "@clean_phone"}, {"fn": "upper"}]), None
    )
    used = stored.use_in_mapping(mapping(), "phone_label")
    assert set(used.library) == {"phone_label", "clean_phone"}
    field = used.fields[0].model_copy(update={"transforms": [TransformStep(fn="@phone_label")]})
    used = used.model_copy(update={"fields": [field]})
    used = MappingDocument.model_validate(used.model_dump(mode="json"))
    result = compile_mapping(used).apply({"tel": " 555-12 "})
    assert result.output == {"phone": "55512"}
    # A chain of the same name with other steps is not overwritten silently.
    own = mapping(library={"clean_phone": [{"fn": "upper"}]})
    with pytest.raises(InvalidRequest, match="@clean_phone"):
        stored.use_in_mapping(own, "phone_label")
    replaced = stored.use_in_mapping(own, "phone_label", replace=True)
    assert [s.fn for s in replaced.library["clean_phone"]] == ["trim", "regex_replace"]


def test_publish_stores_a_library_chain_and_the_chains_it_calls(service: Service) -> None:
    stored = service.transformations
    document = mapping(
        library={
            "label": [{"fn": "@tidy"}, {"fn": "upper"}],
            "tidy": [{"fn": "trim"}],
        }
    )
    saved = stored.publish(document, "label", description="Tidy, shouting")
    assert [(info.name, info.version) for info in saved] == [("label", 1), ("tidy", 1)]
    assert stored.open_chain("label").description == "Tidy, shouting"
    # Publishing again after an edit makes version 2 of the stored chain only.
    edited = document.model_copy(
        update={"library": {**document.library, "label": [TransformStep(fn="@tidy")]}}
    )
    again = stored.publish(edited, "label")
    assert [(info.name, info.version) for info in again] == [("label", 2)]
    with pytest.raises(InvalidRequest, match="has no chain 'nope'"):
        stored.publish(document, "nope")


def test_export_and_import_are_canonical_files(service: Service, tmp_path: Path) -> None:
    stored = service.transformations
    info = stored.save(phone(), None)
    written = stored.export_file(info.key, tmp_path)
    assert written == tmp_path / f"{info.key}.json"
    text = written.read_text(encoding="utf-8")
    assert json.loads(text)["fieldwright_transformation"] == 1 and text.endswith("}\n")
    assert open_transformation(written) == stored.open(info.key)
    stored.delete(info.key)
    assert stored.import_file(written).version == 1
    broken = tmp_path / "broken.json"
    broken.write_text('{"fieldwright_transformation": 1, "key": "k", "name": "9x"}')
    with pytest.raises(InvalidDocument, match=r"(?s)broken\.json.*/name"):
        stored.import_file(broken)
    with pytest.raises(InvalidRequest, match="nothing was exported"):
        stored.export_file("../x", tmp_path)


def test_chains_calling_each_other_are_a_problem_not_a_hang(service: Service) -> None:
    stored = service.transformations
    stored.save(new_transformation("ping", steps=[{"fn": "@pong"}]), None)
    stored.save(new_transformation("pong", steps=[{"fn": "trim"}, {"fn": "@ping"}]), None)
    run = stored.run_tests("transform_ping")
    assert run.results == () and not run.ok
    assert any("calls itself" in problem.message for problem in run.problems), run.problems
