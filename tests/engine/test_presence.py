"""Missing versus null: is_missing / is_present and the field option `missing` (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from fieldwright.domain import DocumentError, from_data
from fieldwright.engine import compile_document
from fieldwright.engine.presence import presence_test


@pytest.mark.parametrize(
    ("path", "record", "present"),
    [
        ("$.a", {"a": None}, True),
        ("$.a", {}, False),
        ("$.a.b", {"a": 1}, False),
        ("$.a.b", {"a": {"b": None}}, True),
        ("$.a[1]", {"a": [1]}, False),
        ("$.a[-1]", {"a": [1]}, True),
        ("$.a[?@.x == 1]", {"a": [{"x": 2}]}, False),
        ("$.a[?@.x == 1]", {"a": [{"x": 1}]}, True),
        ("$['odd key']", {"odd key": None}, True),
    ],
)
def test_presence_of_a_path(path: str, record: Any, present: bool) -> None:
    assert presence_test(path).test(record) is present


def _document(**field: Any) -> dict[str, Any]:
    return {"fieldwright": 1, "key": "k", "name": "n", "fields": [field]}


def test_is_missing_and_is_present_tell_null_from_absent() -> None:
    data = _document(
        target="$.gone",
        sources=["$.a"],
        transforms=[{"fn": "is_missing", "args": ["$.a"]}],
    )
    data["fields"].append(
        {"target": "$.there", "constant": 0, "transforms": [{"fn": "is_present", "args": ["$.a"]}]}
    )
    compiled = compile_document(from_data(data))
    assert compiled.apply({"a": None}).output == {"gone": False, "there": True}
    assert compiled.apply({}).output == {"gone": True, "there": False}


def test_a_bad_path_argument_is_a_problem_with_its_pointer() -> None:
    data = _document(target="$.x", constant=0, transforms=[{"fn": "is_missing", "args": ["$.["]}])
    with pytest.raises(DocumentError) as caught:
        compile_document(from_data(data))
    assert caught.value.problems[0].pointer == "/fields/0/transforms/0/args/0"


def test_missing_skip_leaves_the_target_out_only_when_every_source_is_missing() -> None:
    data = _document(target="$.b", sources=["$.a"], missing="skip", default="d")
    compiled = compile_document(from_data(data))
    assert compiled.apply({}).output == {}
    assert compiled.apply({"a": None}).output == {"b": "d"}
    assert compiled.apply({"a": 1}).output == {"b": 1}
    outputs, others = compiled.map_chunk([{}, {"a": None}, {"a": 2}])
    assert outputs[1:] == [{"b": "d"}, {"b": 2}]
    assert others[0].output == {} and not others[0].errors  # redone carefully: skipped


def test_missing_null_is_the_default_and_writes_the_field() -> None:
    compiled = compile_document(from_data(_document(target="$.b", sources=["$.a", "$.c"])))
    assert compiled.apply({}).output == {"b": [None, None]}
    skip = compile_document(
        from_data(_document(target="$.b", sources=["$.a", "$.c"], missing="skip"))
    )
    assert skip.apply({}).output == {}
    assert skip.apply({"c": 1}).output == {"b": [None, 1]}


def test_missing_skip_on_a_constant_is_a_problem() -> None:
    from fieldwright.engine import validate

    [problem] = validate(from_data(_document(target="$.b", constant=1, missing="skip")))
    assert problem.pointer == "/fields/0/missing"


def test_the_batch_path_agrees_with_the_careful_path_on_missing_skip() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    compiled = compile_document(
        from_data(
            {
                "fieldwright": 1,
                "key": "k",
                "name": "n",
                "fields": [
                    {"target": "$.b", "sources": ["$.a"], "missing": "skip", "default": 0},
                    {"target": "$.c.d", "sources": ["$.x.y", "$.z"], "missing": "skip"},
                    {"target": "$.e", "sources": ["$.a"], "transforms": [{"fn": "to_string"}]},
                ],
            }
        )
    )
    values = st.one_of(st.none(), st.integers(), st.text(max_size=3))
    records = st.fixed_dictionaries(
        {},
        optional={
            "a": values,
            "x": st.one_of(values, st.fixed_dictionaries({}, optional={"y": values})),
            "z": values,
        },
    )

    @settings(max_examples=200, deadline=None)
    @given(st.lists(records, max_size=8))
    def agree(chunk: list[dict[str, Any]]) -> None:
        outputs, others = compiled.map_chunk(chunk)
        batch = [others[i].output if out is None else out for i, out in enumerate(outputs)]
        assert batch == [compiled.apply(record).output for record in chunk]

    agree()


def test_an_item_path_looks_at_the_current_item() -> None:
    from fieldwright.engine.functions import REGISTRY, StepContext
    from fieldwright.engine.scope import ItemScope

    spec = REGISTRY.get("is_missing")
    assert spec is not None
    (path,), problems = spec.prepare(["@.qty"], {})
    assert problems == []
    record: dict[str, Any] = {"lines": [{"qty": None}, {}]}
    inside = [StepContext(record, {}, ItemScope(item, i)) for i, item in enumerate(record["lines"])]
    assert [spec.impl(context, None, path) for context in inside] == [False, True]
    assert spec.impl(StepContext(record, {}), None, path) is True  # no item: missing
