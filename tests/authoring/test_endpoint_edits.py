"""SetConnector: an endpoint change is one undoable edit with a ConnectorChanged event."""

from __future__ import annotations

from fieldwright.authoring.endpoint_edits import SetConnector
from fieldwright.authoring.events import ConnectorChanged
from fieldwright.authoring.session import DocumentState
from fieldwright.domain import ConnectorRef, dumps
from fieldwright.service import open_mapping
from tests.conftest import HUBSPOT


def test_set_connector_then_revert_restores_the_document_exactly() -> None:
    document = open_mapping(HUBSPOT)
    before = dumps(document)
    state = DocumentState(document, HUBSPOT)
    heard: list[object] = []
    state.subscribe(heard.extend)
    ref = ConnectorRef(kind="csv", settings={"path": "people.csv", "delimiter": ";"})
    edit = SetConnector("source", ref)
    assert edit.text == "Set source endpoint"
    state.apply(edit)
    assert document.source.connector == ref
    assert document.source.connector is not ref  # a copy: later changes to ref stay out
    state.revert(edit)
    assert dumps(document) == before
    assert heard == [ConnectorChanged("source"), ConnectorChanged("source")]


def test_clearing_a_connector() -> None:
    document = open_mapping(HUBSPOT)
    edit = SetConnector("target", None)
    assert edit.text == "Clear target endpoint"
    edit.apply(document)
    assert document.target.connector is None
    edit.revert(document)
    assert document.target.connector is not None
