"""Documents load with every problem pointed at, and save as byte-stable canonical JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.domain import (
    FORMAT_VERSION,
    DocumentError,
    FieldMapping,
    MappingDocument,
    dumps,
    load,
    loads,
    save,
)
from fieldwright.domain.canonical import MIGRATIONS

MINIMAL: dict[str, Any] = {"fieldwright": 1, "key": "mapping_A_B_X_20250101", "name": "demo"}


def test_unknown_newer_format_is_refused_with_a_clear_message() -> None:
    with pytest.raises(DocumentError) as info:
        loads(json.dumps({**MINIMAL, "fieldwright": FORMAT_VERSION + 1}), source="new.fwmap.json")
    message = str(info.value)
    assert message.startswith("new.fwmap.json:")
    assert f"newer Fieldwright (format {FORMAT_VERSION + 1})" in message
    assert info.value.problems[0].pointer == "/fieldwright"


@pytest.mark.parametrize("version", [None, "1", 0, True])
def test_missing_or_bad_format_version(version: Any) -> None:
    data = dict(MINIMAL)
    if version is None:
        del data["fieldwright"]
    else:
        data["fieldwright"] = version
    with pytest.raises(DocumentError) as info:
        loads(json.dumps(data))
    assert info.value.problems[0].pointer == "/fieldwright"


def test_older_formats_are_migrated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A format-0 document (hypothetical) goes through the migration chain."""

    def from_zero(data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        data["name"] = data.pop("title")
        return data

    monkeypatch.setitem(MIGRATIONS, 0, from_zero)
    monkeypatch.setattr(
        "fieldwright.domain.canonical._format_version", lambda data: data["fieldwright"]
    )
    document = loads(json.dumps({"fieldwright": 0, "key": "k", "title": "old"}))
    assert document.name == "old" and document.fieldwright == FORMAT_VERSION


def test_every_structural_problem_is_listed_with_its_pointer() -> None:
    data = {
        **MINIMAL,
        "colour": "red",
        "fields": [
            {"target": "$.a", "sources": ["$.a"], "constant": 1},
            {"target": "$.b", "on_error": "explode", "transforms": [{"fn": "upper", "argz": []}]},
        ],
        "tests": [{"name": "t", "input": [], "expected": {}}],
        "run": {"batch_size": 0},
    }
    with pytest.raises(DocumentError) as info:
        loads(json.dumps(data), source="m.fwmap.json")
    pointers = {p.pointer: p.message for p in info.value.problems}
    assert "unknown key" in pointers["/colour"]
    assert "either source paths or a constant" in pointers["/fields/0"]
    assert "/fields/1/on_error" in pointers
    assert "unknown key" in pointers["/fields/1/transforms/0/argz"]
    assert "/tests/0/input" in pointers
    assert "/run/batch_size" in pointers


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.fwmap.json"
    path.write_text('{\n  "fieldwright": 1,\n  "key": \n}\n')
    with pytest.raises(DocumentError) as info:
        load(path)
    assert str(path) in str(info.value)
    assert "line 4" in str(info.value)


def test_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read file"):
        load(tmp_path / "nope.json")


def test_canonical_form_is_stable_and_a_one_field_edit_is_one_hunk(tmp_path: Path) -> None:
    document = MappingDocument.model_validate(
        {
            **MINIMAL,
            "fields": [
                {"target": f"$.f{n}", "sources": f"$.s{n}", "transforms": [{"fn": "trim"}]}
                for n in range(5)
            ],
        }
    )
    path = tmp_path / "m.fwmap.json"
    save(document, path)
    before = path.read_text()
    assert before == dumps(load(path))  # byte-identical after a round trip
    assert before.endswith("}\n") and '  "fieldwright": 1,' in before
    document.fields[2] = document.fields[2].model_copy(update={"notes": "checked with HR"})
    save(document, path)
    after = path.read_text()
    changed = [
        n
        for n, (a, b) in enumerate(zip(before.splitlines(), after.splitlines(), strict=False))
        if a != b
    ]
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    assert changed and changed == list(range(changed[0], changed[0] + len(changed)))
    assert '"notes": "checked with HR"' in after
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
field_mappings = st.builds(
    FieldMapping,
    target=st.sampled_from(["$.a", "$.b.c", "$['x y']", "$.lines[*].n"]),
    sources=st.lists(st.sampled_from(["$.a", "$..b", "$['☺']"]), min_size=1, max_size=2),
    default=json_values,
    notes=st.text(max_size=10),
    active=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(
    fields=st.lists(field_mappings, max_size=4),
    lookups=st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.dictionaries(st.text(max_size=4), json_values, max_size=3),
        max_size=2,
    ),
    description=st.text(max_size=20),
)
def test_round_trip_is_lossless(
    fields: list[FieldMapping], lookups: dict[str, Any], description: str
) -> None:
    document = MappingDocument(**MINIMAL, fields=fields, lookups=lookups, description=description)
    text = dumps(document)
    again = loads(text)
    assert again == document
    assert dumps(again) == text
