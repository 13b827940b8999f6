"""The row engine's fast paths (issue 18, item 1) give what the general paths give."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine import RecordStatus, compile_document
from fieldwright.engine.functions import TransformError
from fieldwright.engine.functions.datetimes import format_date, parse_date
from fieldwright.engine.paths import _environment, parse_source
from tests.engine.kit import document

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["x", ""]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "*"]), inner, max_size=3)
    ),
    max_leaves=12,
)
SEGMENTS = st.sampled_from([".a", ".b", "['c']", "['*']", "[0]", "[1]", "[-1]", "[*]", ".*"])


@settings(max_examples=400, deadline=None)
@given(path=st.lists(SEGMENTS, min_size=1, max_size=4).map(lambda s: "$" + "".join(s)), record=JSON)
def test_plain_paths_select_what_python_jsonpath_selects(path: str, record: Any) -> None:
    found = _environment().compile(path).findall(record)
    source = parse_source(path)
    got = source.get(record)
    if source.singular:
        assert got is next(iter(found), None)
    else:
        assert type(got) is list
        assert len(got) == len(found)
        assert all(a is b for a, b in zip(got, found, strict=True))


def test_wildcard_paths_compile_to_direct_getters() -> None:
    source = parse_source("$.associations.companies[*]")
    assert "jsonpath" not in type(source.get).__module__
    assert source.get.__module__ == "fieldwright.engine.path_getters"
    record = {"associations": {"companies": [3, 1]}}
    assert source.get(record) == [3, 1]
    assert source.get(record) is not record["associations"]["companies"]  # a new list
    assert source.get({"associations": None}) == []
    assert parse_source("$.a[*].b").get({"a": [{"b": 1}, {"c": 2}, 5, {"b": None}]}) == [1, None]


FIELDS: list[dict[str, Any]] = [
    {"target": "$.id", "sources": "$.id"},
    {
        "target": "$.revenue",
        "sources": "$.revenue",
        "transforms": [{"fn": "to_number"}, {"fn": "round", "args": [1]}],
        "default": 0.0,
        "on_error": "default",
    },
    {
        "target": "$.dates.created",
        "sources": "$.created",
        "transforms": [{"fn": "format_date", "args": ["%Y-%m-%d"]}],
        "on_error": "null",
    },
    {"target": "$.contact.address.country", "constant": "US"},
    {"target": "$.ids", "sources": "$.companies[*]"},
    {"target": "$.first", "sources": "$.companies[0]"},
    {"target": "$.last", "sources": "$.companies[-1]"},
]
RECORDS: list[dict[str, Any]] = [
    {"id": 1, "revenue": "12.34", "created": "2024-02-29T10:00:00.000Z", "companies": [7]},
    {"id": 2, "revenue": "N/A", "created": "2024-02-30T10:00:00Z"},
    {"id": 3, "revenue": "", "created": None, "companies": {"x": 1, "y": 2}},
    {"id": 4, "revenue": None, "created": "not a date", "companies": []},
    {"id": 5, "revenue": 7, "created": "2023-01-05"},
]


@pytest.mark.parametrize("chunk", [RECORDS, RECORDS[1:2], RECORDS * 40])
def test_failed_values_are_recovered_alone_on_the_batch_path(
    chunk: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = compile_document(document(fields=FIELDS))
    expected = [mapping.apply(record) for record in chunk]
    assert any(r.errors for r in expected)

    def careful(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a recovered value must not re-map its record")

    monkeypatch.setattr(mapping, "map_fields", careful)
    got = mapping.apply_many(chunk)
    assert got == expected
    second = next(r for r, record in zip(got, chunk, strict=True) if record["id"] == 2)
    assert second.status is RecordStatus.OK
    assert second.output is not None
    assert second.output["revenue"] == 0.0
    assert second.output["dates"] == {"created": None}
    assert [(e.target, e.fn, e.handled_by) for e in second.errors] == [
        ("$.revenue", "to_number", "default"),
        ("$.dates.created", "format_date", "null"),
    ]


def test_on_error_fail_and_skip_still_take_the_careful_path() -> None:
    fields = [
        {"target": "$.a", "sources": "$.a", "transforms": [{"fn": "to_number"}]},
        {
            "target": "$.b",
            "sources": "$.b",
            "transforms": [{"fn": "to_number"}],
            "on_error": "skip",
        },
    ]
    mapping = compile_document(document(fields=fields))
    chunk = [{"a": "1", "b": "x"}, {"a": "x", "b": "2"}, {"a": "3", "b": "4"}]
    assert mapping.apply_many(chunk) == [mapping.apply(r) for r in chunk]
    first, second, third = mapping.apply_many(chunk)
    assert first.output == {"a": 1} and first.errors[0].handled_by == "skip"
    assert second.status is RecordStatus.FAILED
    assert third.output == {"a": 3, "b": 4} and not third.errors


FIXED = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y"]


@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from(FIXED),
    year=st.integers(0, 9999),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    noise=st.sampled_from(["", " ", "x", "٣", "-", "1"]),
    at=st.integers(0, 10),
)
def test_fixed_date_formats_read_what_strptime_reads(
    fmt: str, year: int, month: int, day: int, noise: str, at: int
) -> None:
    text = fmt.replace("%Y", f"{year:04d}").replace("%m", f"{month:02d}")
    text = text.replace("%d", f"{day:02d}")
    text = text[:at] + noise + text[at + 1 :] if noise else text
    try:
        expected: Any = datetime.strptime(text.strip(), fmt).date().isoformat()
    except ValueError:
        expected = TransformError
    try:
        got: Any = parse_date(text, fmt)
    except TransformError:
        got = TransformError
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(day=st.dates(), fmt=st.sampled_from([*FIXED, "%Y%m%d"]))
def test_fixed_date_formats_write_what_strftime_writes(day: date, fmt: str) -> None:
    assert format_date(day, fmt) == day.strftime(fmt)
    assert format_date(datetime.combine(day, datetime.min.time()), fmt) == day.strftime(fmt)
    assert format_date(f"{day.isoformat()}T10:00:00.000Z", fmt) == day.strftime(fmt)
