"""Target truth: a value must fit its target field's declared type, and a required target
must not be left empty; a failure is handled by the field's on_error like a step error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.domain import DocumentError, FieldType, Schema
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine import RecordStatus, compile_document, execute, trace_record, validate
from fieldwright.engine.target_types import Declared, declarations, declared_checks, fits, misfit
from tests.engine.kit import MemorySink, document, items, make_registry

REGISTRY = make_registry()

FITS: dict[FieldType, list[Any]] = {
    FieldType.DATE: ["2024-07-04", "2024-02-29", date(2024, 7, 4)],
    FieldType.DATETIME: [
        "2024-07-04T09:30",
        "2024-07-04T09:30:15.250+02:00",
        "2024-07-04T09:30:00Z",
        "2024-07-04 09:30:00",
        datetime(2024, 7, 4, 9, 30),
        datetime(2024, 7, 4, 9, 30, tzinfo=UTC),
    ],
    FieldType.INTEGER: [0, -7, 10**30, 7.0, Decimal("12"), Decimal("12.000")],
    FieldType.NUMBER: [0, -7, 2.5, 1e300, Decimal("2.50")],
    FieldType.BOOLEAN: [True, False],
}
MISFITS: dict[FieldType, list[Any]] = {
    FieldType.DATE: [
        "7/4/2024",
        "2024-7-4",
        "20240704",
        "2024-W27-4",  # an ISO week date, which date.fromisoformat would take
        "2024-02-30",
        "2024-07-04T09:30",
        " 2024-07-04",
        "",
        datetime(2024, 7, 4),
        20240704,
        True,
    ],
    FieldType.DATETIME: [
        "2024-07-04",
        "2024-07-04T09",
        "07/04/2024 09:30",
        "2024-07-04T25:00",
        "",
        date(2024, 7, 4),
        1720085400,
    ],
    FieldType.INTEGER: [True, False, 7.5, "7", float("inf"), float("nan"), Decimal("7.5"), []],
    FieldType.NUMBER: [True, "2.5", float("nan"), float("-inf"), Decimal("NaN"), {}],
    FieldType.BOOLEAN: ["true", "yes", 1, 0, 1.0],
}


@pytest.mark.parametrize(
    ("field_type", "value"), [(t, v) for t, values in FITS.items() for v in values]
)
def test_a_value_of_the_declared_type_fits(field_type: FieldType, value: Any) -> None:
    test = fits(field_type)
    assert test is not None and test(value)
    assert misfit(field_type, value) is None


@pytest.mark.parametrize(
    ("field_type", "value"), [(t, v) for t, values in MISFITS.items() for v in values]
)
def test_a_value_of_another_type_does_not_fit(field_type: FieldType, value: Any) -> None:
    test = fits(field_type)
    assert test is not None and not test(value)
    assert misfit(field_type, value) is not None


@pytest.mark.parametrize("field_type", [FieldType.STRING, FieldType.OBJECT, FieldType.ANY])
def test_string_object_array_and_any_accept_every_value(field_type: FieldType) -> None:
    assert fits(field_type) is None
    assert misfit(field_type, {"a": 1}) is None and misfit(field_type, 3) is None


def test_null_fits_every_type_because_required_decides_about_it() -> None:
    assert all(misfit(field_type, None) is None for field_type in FieldType)


def test_messages_name_the_expected_type_and_the_value() -> None:
    assert misfit(FieldType.DATE, "7/4/2024") == "expected a date (YYYY-MM-DD), got '7/4/2024'"
    assert misfit(FieldType.INTEGER, 7.5) == "expected an integer, got 7.5"
    assert misfit(FieldType.NUMBER, "2.5") == "expected a number, got '2.5'"
    assert misfit(FieldType.BOOLEAN, "yes") == "expected a boolean (true or false), got 'yes'"
    assert misfit(FieldType.DATETIME, "2024-07-04") == (
        "expected a datetime (ISO 8601, e.g. 2024-07-04T09:30:00), got '2024-07-04'"
    )


TARGET = {
    "fields": [
        {"name": "signup", "type": "date"},
        {"name": "email", "required": True},
        {"name": "age", "type": "integer"},
        {
            "name": "lines",
            "type": "array",
            "fields": [{"name": "hours", "type": "number", "required": True}],
        },
        {"name": "tags", "type": "array", "items": "boolean"},
    ]
}


def _mapping(*fields: dict[str, Any], target: dict[str, Any] | None = None) -> Any:
    return compile_document(document(target=target or TARGET, fields=list(fields)))


def test_a_date_target_holding_other_text_fails_the_record_naming_the_field() -> None:
    compiled = _mapping({"target": "$.signup", "sources": "$.signup"})
    result = compiled.apply({"signup": "7/4/2024"})
    assert result.status is RecordStatus.FAILED
    assert result.reason() == "$.signup: expected a date (YYYY-MM-DD), got '7/4/2024'"
    assert compiled.apply({"signup": "2024-07-04"}).output == {"signup": "2024-07-04"}


@pytest.mark.parametrize("empty", [None, ""])
def test_a_required_target_left_empty_fails_the_record(empty: Any) -> None:
    compiled = _mapping({"target": "$.email", "sources": "$.email"})
    result = compiled.apply({"email": empty})
    assert result.status is RecordStatus.FAILED
    assert result.reason() == "$.email: required by the target schema, but empty"
    assert compiled.apply({}).reason() == "$.email: required by the target schema, but empty"
    assert compiled.apply({"email": " "}).status is RecordStatus.OK  # blank is not empty


def test_the_mapping_default_fills_a_required_target_before_it_is_checked() -> None:
    compiled = _mapping({"target": "$.email", "sources": "$.email", "default": "n/a"})
    assert compiled.apply({"email": None}).output == {"email": "n/a"}


def test_a_target_the_schema_does_not_declare_is_not_checked() -> None:
    compiled = _mapping({"target": "$.other", "sources": "$.x"})
    assert compiled.apply({"x": ""}).status is RecordStatus.OK
    assert compiled.apply({}).status is RecordStatus.OK


@pytest.mark.parametrize(
    ("on_error", "expected"),
    [
        ("skip", {"email": "a@b.c"}),
        ("null", {"email": "a@b.c", "signup": None}),
        ("default", {"email": "a@b.c", "signup": "1970-01-01"}),
    ],
)
def test_on_error_recovers_a_misfit_like_a_step_error(
    on_error: str, expected: dict[str, Any]
) -> None:
    compiled = _mapping(
        {"target": "$.email", "sources": "$.email"},
        {
            "target": "$.signup",
            "sources": "$.signup",
            "on_error": on_error,
            "default": "1970-01-01",
        },
    )
    result = compiled.apply({"email": "a@b.c", "signup": "7/4/2024"})
    assert result.status is RecordStatus.OK
    assert result.output == expected
    (error,) = result.errors
    assert error.target == "$.signup" and error.handled_by == on_error
    assert error.reason == "expected a date (YYYY-MM-DD), got '7/4/2024'"
    assert compiled.apply_many([{"email": "a@b.c", "signup": "7/4/2024"}]) == [result]


@pytest.mark.parametrize("on_error", ["skip", "null", "default"])
def test_on_error_recovers_a_required_target_left_empty(on_error: str) -> None:
    compiled = _mapping({"target": "$.email", "sources": "$.email", "on_error": on_error})
    result = compiled.apply({"email": ""})
    assert result.status is RecordStatus.OK
    assert result.output == ({} if on_error == "skip" else {"email": None})
    assert [e.reason for e in result.errors] == ["required by the target schema, but empty"]


def test_the_mappings_own_required_and_type_rule_keep_working_beside_the_schema() -> None:
    compiled = _mapping(
        {"target": "$.age", "sources": "$.age", "required": True, "rules": {"min": 18}},
        {"target": "$.note", "sources": "$.note", "rules": {"type": "integer"}},
    )
    assert compiled.apply({"note": 1}).reason() == "$.age: required value is empty"
    assert compiled.apply({"age": 12, "note": 1}).reason() == "$.age: 12 is below the minimum 18"
    assert compiled.apply({"age": "x", "note": 1}).reason() == "$.age: expected an integer, got 'x'"
    assert (
        compiled.apply({"age": 30, "note": "y"}).reason() == "$.note: expected an integer, got 'y'"
    )
    assert compiled.apply({"age": 30.0, "note": 2}).output == {"age": 30.0, "note": 2}


def test_fields_under_an_array_are_checked_per_item_with_the_item_index() -> None:
    compiled = _mapping({"target": "$.lines[*].hours", "sources": "$.hours[*]"})
    result = compiled.apply({"hours": [8, "x", None, 7.5]})
    assert result.status is RecordStatus.FAILED
    assert [str(e) for e in result.errors] == [
        "$.lines[1].hours: expected a number, got 'x'",
        "$.lines[2].hours: required by the target schema, but empty",
    ]
    fixed = _mapping({"target": "$.lines[0].hours", "sources": "$.hours"})
    assert fixed.apply({"hours": "8"}).reason() == "$.lines[0].hours: expected a number, got '8'"


def test_the_items_of_an_array_of_scalars_are_checked_against_its_item_type() -> None:
    compiled = _mapping({"target": "$.tags[*]", "sources": "$.tags[*]"})
    assert compiled.apply({"tags": [True, False]}).output == {"tags": [True, False]}
    assert compiled.apply({"tags": [True, "no"]}).reason() == (
        "$.tags[1]: expected a boolean (true or false), got 'no'"
    )


def test_a_quoted_target_path_finds_its_declaration() -> None:
    target = {"fields": [{"name": "sign up", "type": "date"}]}
    compiled = _mapping({"target": "$['sign up']", "sources": "$.s"}, target=target)
    assert "expected a date" in compiled.apply({"s": "7/4/2024"}).reason()


def test_declarations_find_nested_and_item_paths() -> None:
    find = declarations(Schema.model_validate(TARGET))
    hours = find(("lines", "*", "hours"))
    assert hours is not None and hours.type is FieldType.NUMBER and hours.required
    assert find(("lines", 3, "hours")) == hours
    tags = find(("tags", "*"))
    assert tags is not None and tags.type is FieldType.BOOLEAN and not tags.required
    assert find(("nothing",)) is None


def test_validate_reports_a_constant_or_default_that_cannot_fit_with_its_pointer() -> None:
    doc = document(
        target=TARGET,
        fields=[
            {"target": "$.signup", "constant": "7/4/2024"},
            {"target": "$.age", "sources": "$.age", "default": "unknown"},
            {"target": "$.email", "constant": 5},
        ],
    )
    assert [(p.pointer, p.message) for p in validate(doc)] == [
        (
            "/fields/0/constant",
            "$.signup is declared date in the target schema: "
            "expected a date (YYYY-MM-DD), got '7/4/2024'",
        ),
        (
            "/fields/1/default",
            "$.age is declared integer in the target schema: expected an integer, got 'unknown'",
        ),
    ]
    with pytest.raises(DocumentError):
        compile_document(doc)


def test_validate_leaves_a_constant_its_steps_transform_to_the_run() -> None:
    doc = document(
        target={"fields": [{"name": "name", "type": "integer"}]},
        fields=[{"target": "$.name", "constant": "ada", "transforms": [{"fn": "upper"}]}],
    )
    assert validate(doc, registry=REGISTRY) == []
    result = compile_document(doc, registry=REGISTRY).apply({})
    assert result.reason() == "$.name: expected an integer, got 'ADA'"


def test_the_preview_trace_shows_the_failure_on_the_field() -> None:
    compiled = _mapping(
        {"target": "$.email", "sources": "$.email"},
        {"target": "$.signup", "sources": "$.signup"},
    )
    trace = trace_record(compiled, {"email": "a@b.c", "signup": "7/4/2024"})
    assert trace.result.status is RecordStatus.FAILED
    signup = trace.field("$.signup")
    assert signup is not None and signup.error is not None
    assert signup.input == "7/4/2024"
    assert signup.error.reason == "expected a date (YYYY-MM-DD), got '7/4/2024'"
    email = trace.field("$.email")
    assert email is not None and email.error is None and email.output == "a@b.c"


def test_a_run_conserves_records_and_dead_letters_the_one_that_does_not_fit() -> None:
    compiled = _mapping(
        {"target": "$.email", "sources": "$.email"},
        {"target": "$.signup", "sources": "$.signup"},
    )
    records = [
        {"email": "a@b.c", "signup": "2024-07-04"},
        {"email": "d@e.f", "signup": "7/4/2024"},
        {"email": "", "signup": "2024-07-05"},
        {"email": "g@h.i", "signup": None},
    ]
    dead: list[DeadLetter] = []
    sink = MemorySink()
    outcome = execute(compiled, items(records), sink, on_dead_letter=dead.append)
    assert outcome.status is RunStatus.COMPLETED
    counts = outcome.counts
    assert (counts.read, counts.written, counts.failed) == (4, 2, 2) and counts.balanced
    assert sink.committed == [
        {"email": "a@b.c", "signup": "2024-07-04"},
        {"email": "g@h.i", "signup": None},
    ]
    assert [(d.field, d.reason, d.input) for d in dead] == [
        (
            "$.signup",
            "$.signup: expected a date (YYYY-MM-DD), got '7/4/2024'",
            records[1],
        ),
        ("$.email", "$.email: required by the target schema, but empty", records[2]),
    ]


# -- the batch path and the careful path agree ---------------------------------------------

CHECKED_TYPES = ["string", "date", "datetime", "integer", "number", "boolean", "any"]
values = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, places=1, min_value=-5, max_value=5),
    st.sampled_from(["2024-07-04", "7/4/2024", "2024-07-04T09:30:00", "2024-02-30", "x"]),
    st.dates(),
    st.datetimes(),
)
declared_fields = st.lists(
    st.tuples(
        st.sampled_from(CHECKED_TYPES),
        st.booleans(),  # required by the schema
        st.sampled_from(["fail", "skip", "default", "null"]),
        st.one_of(st.none(), st.sampled_from([0, "2024-01-01", True])),  # the default
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(declared_fields, st.lists(st.lists(values, min_size=4, max_size=4), max_size=12))
def test_the_batch_path_and_the_careful_path_agree(
    fields: list[tuple[str, bool, str, Any]], rows: list[list[Any]]
) -> None:
    target = {
        "fields": [
            {"name": f"f{n}", "type": kind, "required": required}
            for n, (kind, required, _, _) in enumerate(fields)
        ]
    }
    mappings = [
        {"target": f"$.f{n}", "sources": f"$.v{n}", "on_error": on_error, "default": default}
        for n, (_, _, on_error, default) in enumerate(fields)
    ]
    doc = document(target=target, fields=mappings)
    if validate(doc):  # a default that cannot fit its type: validate refuses the document
        return
    compiled = compile_document(doc)
    records = [{f"v{n}": value for n, value in enumerate(row)} for row in rows]
    careful = [compiled.apply(record) for record in records]
    # repr: a NaN written to an unchecked field is never equal to itself
    assert repr(compiled.apply_many(records)) == repr(careful)


@pytest.mark.parametrize(
    ("field_type", "value"),
    [(t, v) for table in (FITS, MISFITS) for t, values in table.items() for v in values],
)
def test_a_type_rule_and_a_schema_declaration_agree(field_type: FieldType, value: Any) -> None:
    by_rule = compile_document(
        document(fields=[{"target": "$.f", "sources": "$.f", "rules": {"type": field_type}}])
    )
    declared = _mapping(
        {"target": "$.f", "sources": "$.f"}, target={"fields": [{"name": "f", "type": field_type}]}
    )
    record = {"f": value}
    assert repr(by_rule.apply(record)) == repr(declared.apply(record))


@pytest.mark.parametrize(
    ("field_type", "good", "bad", "message"),
    [
        ("string", "x", 1, "expected a string, got 1"),
        ("object", {}, [], "expected an object, got []"),
        ("array", [], {}, "expected an array, got {}"),
    ],
)
def test_a_type_rule_still_checks_the_types_the_schema_leaves_alone(
    field_type: str, good: Any, bad: Any, message: str
) -> None:
    compiled = compile_document(
        document(fields=[{"target": "$.f", "sources": "$.f", "rules": {"type": field_type}}])
    )
    assert compiled.apply({"f": good}).status is RecordStatus.OK
    assert compiled.apply({"f": bad}).reason() == f"$.f: {message}"


# -- the batch path's column tests are sound -------------------------------------------------

columns = st.one_of(
    *(
        st.lists(st.one_of(st.none(), element), max_size=8)
        for element in (
            st.integers(),
            st.floats(),
            st.booleans(),
            st.dates().map(date.isoformat),
            st.datetimes().map(datetime.isoformat),
            st.sampled_from(["2024-02-30", "2023-02-29", "2024-07-04"]),  # ISO shape, not all days
            st.sampled_from(["2024-07-04T24:00", "2024-07-04T09:60", "2024-07-04T09:30"]),
            st.sampled_from(["2024-W27-4", "", "x"]),
            st.text(max_size=3),
        )
    ),
    st.lists(values, max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CHECKED_TYPES), st.booleans(), columns)
def test_a_column_passes_at_once_only_when_every_value_passes(
    kind: str, required: bool, column: list[Any]
) -> None:
    for check, all_fit in declared_checks(Declared(FieldType(kind), required)):
        if all_fit(list(column)):
            assert [v for v in column if v is not None and check(v) is not None] == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(CHECKED_TYPES), st.booleans()), min_size=1, max_size=3),
    st.data(),
)
def test_the_paths_agree_on_columns_of_one_kind(
    fields: list[tuple[str, bool]], data: st.DataObject
) -> None:
    target = {
        "fields": [
            {"name": f"f{n}", "type": kind, "required": required}
            for n, (kind, required) in enumerate(fields)
        ]
    }
    mappings = [{"target": f"$.f{n}", "sources": f"$.v{n}"} for n in range(len(fields))]
    compiled = compile_document(document(target=target, fields=mappings))
    by_field = [data.draw(columns) for _ in fields]
    size = min(len(c) for c in by_field)
    records = [{f"v{n}": c[i] for n, c in enumerate(by_field)} for i in range(size)]
    careful = [compiled.apply(record) for record in records]
    assert repr(compiled.apply_many(records)) == repr(careful)
