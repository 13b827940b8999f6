"""A lookup table's default: old documents load unchanged, new ones write it stably."""

from __future__ import annotations

import json

import pytest

from fieldwright.domain import DocumentError, dumps, loads

OLD = {
    "fieldwright": 1,
    "key": "k",
    "name": "n",
    "lookups": {"stage": {"lead": "L"}},
    "filter": "stage != 'x'",
}


def test_a_document_without_defaults_loads_and_saves_unchanged() -> None:
    text = json.dumps(OLD, indent=2) + "\n"
    document = loads(text)
    assert document.lookup_defaults == {}
    assert dumps(document) == text


def test_defaults_are_written_beside_the_tables_in_a_stable_order() -> None:
    document = loads(json.dumps({**OLD, "lookup_defaults": {"stage": "?"}}))
    text = dumps(document)
    assert list(json.loads(text)) == [
        "fieldwright",
        "key",
        "name",
        "lookups",
        "lookup_defaults",
        "filter",
    ]
    assert dumps(loads(text)) == text


def test_a_default_for_a_table_that_does_not_exist_names_it() -> None:
    with pytest.raises(DocumentError, match=r"lookup_defaults names no lookup table: stages"):
        loads(json.dumps({**OLD, "lookup_defaults": {"stages": "?"}}))


def test_a_template_carries_table_defaults_into_its_mappings() -> None:
    from fieldwright.domain.template import TemplateDocument, expand

    template = TemplateDocument.model_validate(
        {
            "fieldwright": 1,
            "code": "template_HS_CRM",
            "name": "t",
            "source_system": "HS",
            "target_system": "CRM",
            "lookups": {"stage": {"lead": "L"}},
            "lookup_defaults": {"stage": "?"},
        }
    )
    document = expand(template, key="mapping_HS_CRM_ACME_20250101", name="m").document
    assert document.lookup_defaults == {"stage": "?"}
