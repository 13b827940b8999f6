"""The New mapping guide's logic without Qt: key proposal, free keys, the document, properties."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from fieldwright.authoring.documents import new_document
from fieldwright.authoring.events import PropertiesChanged
from fieldwright.authoring.new_mapping import (
    NewMapping,
    available_key,
    code_problem,
    normalise_code,
    properties_edit,
    propose_key,
    taken_keys,
    typed_code,
)
from fieldwright.authoring.session import DocumentState
from fieldwright.domain import (
    FORMAT_VERSION,
    ConnectorRef,
    DocumentError,
    FieldType,
    MappingDocument,
    SchemaField,
    dumps,
    loads,
    save,
)
from fieldwright.service import Service

DAY = date(2026, 12, 3)


def test_the_key_follows_systems_client_and_day() -> None:
    assert propose_key("QBT", "WFN", "ACME", DAY) == "mapping_QBT_WFN_ACME_20261203"


def test_typed_codes_are_upper_cased_and_missing_ones_left_out() -> None:
    assert propose_key(" hs ", "crm", "", DAY) == "mapping_HS_CRM_20261203"
    assert propose_key("", "", "", DAY) == "mapping_NEW_20261203"
    assert normalise_code(" acme eu ") == "ACME_EU"
    assert typed_code("acme ") == "ACME_"  # while typing, the space stays as _


def test_code_syntax_is_checked_with_a_clear_message() -> None:
    assert code_problem("", "client") is None
    assert code_problem("ACME_EU", "client") is None
    assert "2 to 16 upper-case" in (code_problem("A", "client") or "")
    assert "source system" in (code_problem("qbt", "source system") or "")
    assert code_problem("X" * 17, "client") is not None


def test_a_free_key_is_kept_and_a_taken_one_numbered() -> None:
    key = "mapping_QBT_WFN_ACME_20261203"
    assert available_key(key, set()) == key
    assert available_key(key, {key}) == f"{key}_2"
    assert available_key(key, {key, f"{key}_2"}) == f"{key}_3"
    assert available_key(key, lambda k: k == key) == f"{key}_2"


def _plan(key: str = "mapping_HS_CRM_ACME_20261203") -> NewMapping:
    return NewMapping(
        name="Contacts to CRM",
        key=key,
        client="ACME",
        source_system="HS",
        target_system="CRM",
        source_fields=[SchemaField(name="email", type=FieldType.STRING)],
        source_connector=ConnectorRef(kind="csv", settings={"path": "/data/people.csv"}),
    )


def test_the_guide_builds_a_document_with_schemas_codes_and_connector() -> None:
    document = _plan().document()
    assert document.fieldwright == FORMAT_VERSION
    assert (document.name, document.key) == ("Contacts to CRM", "mapping_HS_CRM_ACME_20261203")
    assert (document.client, document.source_system, document.target_system) == (
        "ACME",
        "HS",
        "CRM",
    )
    assert [f.name for f in document.source.fields] == ["email"]
    assert document.source.connector is not None
    assert document.source.connector.settings["path"] == "/data/people.csv"
    assert document.target.fields == []
    assert loads(dumps(document)) == document  # the codes round-trip through canonical JSON


def test_a_guide_with_bad_input_says_what_is_wrong() -> None:
    plan = _plan()
    plan.name, plan.client = " ", "acme!"
    assert plan.problems() == [
        "Give the mapping a name.",
        "The client code 'acme!' needs 2 to 16 upper-case letters, digits or _ (e.g. ACME).",
    ]
    with pytest.raises(ValueError, match="Give the mapping a name"):
        plan.document()


def test_second_new_mapping_gets_another_key(tmp_path: Path) -> None:
    first = _plan()
    service = Service.open(f"sqlite:///{tmp_path / 'store.db'}", user="alice")
    try:
        service.save_mapping(first.document(), None)
        recent = tmp_path / "recent.fwmap.json"
        save(_plan(f"{first.key}_2").document(), recent)
        taken = taken_keys(service, [recent, tmp_path / "gone.fwmap.json"], ["mapping_OPEN"])
    finally:
        service.close()
    assert taken == {first.key, f"{first.key}_2", "mapping_OPEN"}
    assert available_key(first.key, taken) == f"{first.key}_3"


# -- the codes in the document --------------------------------------------------------------


def test_old_documents_load_unchanged_and_write_no_codes() -> None:
    document = new_document()
    text = dumps(document)
    assert "client" not in text and "system" not in text
    assert dumps(loads(text)) == text


def test_a_bad_code_in_a_document_names_its_pointer() -> None:
    text = dumps(new_document()).replace('"name"', '"client": "acme",\n  "name"', 1)
    with pytest.raises(DocumentError) as caught:
        loads(text, source="m.fwmap.json")
    problem = caught.value.problems[0]
    assert problem.pointer == "/client"
    assert "2 to 16 upper-case letters" in problem.message


# -- Mapping → Properties ---------------------------------------------------------------


def test_properties_edit_sets_only_what_changed_and_undoes_exactly() -> None:
    state = DocumentState(new_document(), None)
    before = dumps(state.document)
    assert properties_edit(state.document, name="Untitled mapping ") is None
    edit = properties_edit(
        state.document, name="Contacts", key="mapping_HS_CRM_ACME", client="ACME", description=""
    )
    assert edit is not None
    assert edit.text == "Change mapping name, key, client"
    heard: list[object] = []
    state.subscribe(heard.extend)
    assert state.apply(edit) == [PropertiesChanged(("client", "key", "name"))]
    assert (state.document.name, state.document.client) == ("Contacts", "ACME")
    state.revert(edit)
    assert dumps(state.document) == before
    assert heard == [PropertiesChanged(("client", "key", "name"))] * 2


def test_properties_edit_refuses_a_bad_code_and_changes_nothing() -> None:
    document = new_document()
    before = dumps(document)
    edit = properties_edit(document, source_system="q b")
    assert edit is not None
    with pytest.raises(ValidationError):
        edit.apply(document)
    assert dumps(document) == before
    with pytest.raises(KeyError):
        properties_edit(document, lookups="x")


def test_mapping_document_codes_default_to_empty() -> None:
    document = MappingDocument(fieldwright=FORMAT_VERSION, key="k", name="n")
    assert (document.client, document.source_system, document.target_system) == ("", "", "")
