"""Parity on a generated corpus: random records (nulls, missing keys, wrong types, numbers as
text, non-ASCII and odd whitespace, bad dates) and raw lines the readers treat differently
(invalid JSON, blank lines, duplicate keys, a byte-order mark, arrays). Both engines must give
the same output bytes, counts and dead letters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwright.domain import ErrorStrategy, MappingDocument
from tests.engine.columnar.parity import assert_same, run_both

CONTACTS: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_CONTACTS_PARITY_20261203",
    "name": "contacts",
    "lookups": {"stage": {"lead": "Lead", "customer": "Customer", "evangelist": "Evangelist"}},
    "fields": [
        {"target": "$.source_id", "sources": "$.id", "transforms": [{"fn": "to_string"}]},
        {"target": "$.first_name", "sources": "$.p.first", "transforms": [{"fn": "trim"}]},
        {
            "target": "$.last_name",
            "sources": "$.p.last",
            "transforms": [{"fn": "trim"}, {"fn": "upper"}],
        },
        {
            "target": "$.full_name",
            "sources": ["$.p.first", "$.p.last"],
            "transforms": [{"fn": "concat", "args": [" "]}, {"fn": "normalize_whitespace"}],
        },
        {
            "target": "$.contact.email",
            "sources": "$.p.email",
            "transforms": [{"fn": "trim"}, {"fn": "lower"}],
        },
        {
            "target": "$.contact.phone",
            "sources": "$.p.phone",
            "transforms": [{"fn": "regex_replace", "args": ["[^0-9]", ""]}],
        },
        {"target": "$.contact.address.country", "constant": "US"},
        {
            "target": "$.created_on",
            "sources": "$.p.created",
            "transforms": [{"fn": "format_date", "args": ["%d.%m.%Y"]}],
            "on_error": "null",
        },
        {
            "target": "$.stage",
            "sources": "$.p.stage",
            "transforms": [{"fn": "lookup", "args": ["stage", "unknown"]}],
            "default": "unknown",
        },
        {
            "target": "$.revenue",
            "sources": "$.p.revenue",
            "transforms": [{"fn": "to_number"}],
            "default": 0.0,
            "on_error": "default",
        },
        {"target": "$.company_id", "sources": "$.companies[0]"},
        {"target": "$.company_ids", "sources": "$.companies[*]"},
    ],
}

STRICT: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_STRICT_PARITY_20261203",
    "name": "strict",
    "filter": "p.stage != 'skip' && !(archived == `true`)",
    "lookups": {"stage": {"lead": "L", "customer": "C"}},
    "fields": [
        {
            "target": "$.first",
            "sources": "$.p.first",
            "transforms": [
                {"fn": "default", "args": ["?"]},
                {"fn": "title"},
                {"fn": "truncate", "args": [5, "…"]},
            ],
        },
        {
            "target": "$.whole",
            "sources": "$.p.revenue",
            "transforms": [{"fn": "to_integer"}],
            "on_error": "null",
        },
        {
            "target": "$.stage",
            "sources": "$.p.stage",
            "transforms": [{"fn": "lookup_strict", "args": ["stage"]}],
            "default": "none",
            "on_error": "default",
        },
        {"target": "$.id", "sources": "$.id", "required": True},
        {"target": "$.xs", "sources": "$.items[*].x"},
        {
            "target": "$.email",
            "sources": "$.p.email",
            "transforms": [{"fn": "trim"}, {"fn": "lower"}],
            "rules": {"regex": "^[^@]+@[^@]+$", "max_length": 24},
            "on_error": "skip",
        },
        {
            "target": "$.revenue",
            "sources": "$.p.revenue",
            "transforms": [{"fn": "to_number"}],
            "on_error": "fail",
        },
        {
            "target": "$.day",
            "sources": "$.p.created",
            "transforms": [{"fn": "format_date", "args": ["%Y%m%d"]}],
        },
        {
            "target": "$.code",
            "sources": "$.p.stage",
            "transforms": [{"fn": "trim", "args": ["-"]}, {"fn": "upper"}],
            "rules": {"enum": ["LEAD", "CUSTOMER", "L"]},
            "on_error": "null",
        },
        {
            "target": "$.tag",
            "sources": ["$.p.first", "$.id"],
            "transforms": [{"fn": "concat", "args": ["/", False]}, {"fn": "title"}],
        },
    ],
}

_SPACE = st.sampled_from([" ", "\t", "\u00a0", "\x1c", "\u2003", "\n"])
_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
    st.builds(
        lambda a, s, b: s + a + b + s,
        st.sampled_from(["Ada", "ZOË", "ß", "Σ"]),
        _SPACE,
        st.sampled_from(["", " x"]),
    ),
    st.sampled_from(
        ["lead", "customer", "LEAD", " lead ", "skip", "-l-", "", "N/A", "true", "null"]
    ),
    st.sampled_from(
        ["42", "-4.50", " 7 ", "1e3", "0.1", "1.5e400", "12345678901234567890", ".5", "5."]
    ),
    st.sampled_from(
        [
            "2024-02-29",
            "2023-02-29",
            "2024-01-31T23:59:59.123Z",
            "2024-01-31 10:00",
            "2024-01-31T25:00:00",
            "0999-01-01",
            "2024-07-24T10:00:00+02:00",
            " 2024-01-01",
            "a@b.c",
            " Ada@Example.COM ",
            "x@y@z",
            "+1 (206) 555-0100",
            "٣٤٥-12",
        ]
    ),
)
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), _TEXT
)
_VALUE = st.one_of(
    _SCALAR,
    st.lists(st.integers(-5, 2**64), max_size=3),
    st.dictionaries(st.sampled_from(["x", "y"]), _SCALAR, max_size=2),
)
_KEYS = ["first", "last", "email", "phone", "created", "stage", "revenue"]


@st.composite
def _record(draw: st.DrawFn) -> dict[str, Any]:
    typed = draw(st.booleans())  # most records are well typed: the columnar path runs
    record: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        record["id"] = draw(st.integers(1, 10**6)) if typed else draw(_VALUE)
    if draw(st.integers(0, 9)):
        props = {k: draw(_TEXT if typed else _VALUE) for k in _KEYS if draw(st.integers(0, 5))}
        record["p"] = props if draw(st.integers(0, 15)) else draw(_VALUE)
    if draw(st.booleans()):
        record["companies"] = draw(st.lists(st.integers(1, 99), max_size=3) if typed else _VALUE)
    if draw(st.integers(0, 4)) == 0:
        record["archived"] = draw(st.booleans() if typed else _VALUE)
    if draw(st.booleans()):
        item = st.fixed_dictionaries({}, optional={"x": st.integers(0, 9) if typed else _VALUE})
        record["items"] = draw(st.lists(item, max_size=3) if typed else _VALUE)
    return record


_RAW = st.sampled_from(
    [
        b"",
        b"   ",
        b"{not json}",
        b"[1, 2]",
        b'{"id": 1, "id": 2}',
        b'{"id": 3, "p": {"first": "a", "first": "b"}}',
        b'{"id": 4, "p": {"revenue": NaN}}',
        b'{"id": 5, "p": {"fir\\u0073t": "x"}}',
        b'{"id": 6, "p": {"first": "\\u00e9t\\u00e9"}}',
        b'{"id": 7, "p": {"revenue": 4.50}}',
        b'{"id": 8, "p": {"stage": "lead"}, "x": "\\"stage\\": 1"}',
        # Compact lines (vouched for by a literal search of 'key:"'): a number where text
        # is read, the key text again in another object, in a text, or before a text.
        b'{"id":9,"p":{"created":20240101,"revenue":"12.5"}}',
        b'{"id":10,"p":{"created":"2024-01-01"},"q":{"created":5}}',
        b'{"id":11,"p":{"revenue":12},"x":"\\"revenue\\":\\"2"}',
        b'{"id":12,"q":{"revenue":"3"},"p":{"revenue":4}}',
        b'{"id":13,"p":{"phone":"555","revenue" :"6"}}',
    ]
)


@st.composite
def _lines(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 30))):
        if draw(st.integers(0, 7)) == 0:
            lines.append(draw(_RAW))
        else:
            record = draw(_record())  # Python's json: integers beyond 64 bits too
            compact = draw(st.booleans())  # as orjson writes, or with spaces after colons
            separators = (",", ":") if compact else None
            lines.append(json.dumps(record, ensure_ascii=False, separators=separators).encode())
    text = b"\n".join(lines)
    if draw(st.integers(0, 9)) == 0:
        text = b"\xef\xbb\xbf" + text
    return text + (b"\n" if draw(st.booleans()) else b"")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=_lines(),
    strict=st.booleans(),
    fail_fast=st.booleans(),
    chunk=st.sampled_from([64, 600, 1 << 20]),
    encode=st.booleans(),
)
def test_generated_corpus_maps_the_same(
    tmp_path_factory: Any, data: bytes, strict: bool, fail_fast: bool, chunk: int, encode: bool
) -> None:
    folder: Path = tmp_path_factory.mktemp("corpus")
    source = folder / "in.ndjson"
    source.write_bytes(data)
    document = MappingDocument.model_validate(STRICT if strict else CONTACTS)
    strategy = ErrorStrategy.FAIL_FAST if fail_fast else ErrorStrategy.CONTINUE_ON_ERROR
    rows, cols, _ = run_both(
        document, source, folder, chunk_bytes=chunk, strategy=strategy, encode=encode
    )
    assert_same(rows, cols)


def test_well_typed_records_are_mapped_column_wise(tmp_path: Path) -> None:
    """The corpus test compares engines; this one holds that the columnar path does the work."""
    records = [
        {
            "id": n,
            "p": {
                "first": " Ada ",
                "last": "King",
                "revenue": "12.50",
                "stage": "lead",
                "created": "2024-01-31T10:00:00.000Z",
                "email": "A@B.C",
                "phone": "555",
            },
            "companies": [n, n + 1],
        }
        for n in range(200)
    ]
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    document = MappingDocument.model_validate(CONTACTS)
    rows, cols, columnar = run_both(document, source, tmp_path, chunk_bytes=4096)
    assert_same(rows, cols)
    assert columnar == 200
    assert b'"revenue":12.5' in cols.output


def test_fail_fast_skips_the_clean_records_before_the_failure_in_its_chunk(
    tmp_path: Path,
) -> None:
    """Found by the corpus: the clean records of the failing chunk, before the failed one,
    were neither written nor counted (the row engine counts them skipped)."""
    source = tmp_path / "in.ndjson"
    source.write_bytes(
        b'{"id":1,"p":{"first":"Ada"}}\n{"id":2,"p":{"first":"Bo"}}\n'
        b'{"id":3,"p":{"email":[]}}\n{"id":4,"p":{"first":"Cy"}}\n'
    )
    document = MappingDocument.model_validate(CONTACTS)
    for encode in (True, False):
        rows, cols, _ = run_both(
            document, source, tmp_path, strategy=ErrorStrategy.FAIL_FAST, encode=encode
        )
        assert_same(rows, cols)
        assert cols.outcome.counts.skipped == 2
