"""The Designer's test marks: each mapped target field tested / untested / failing, from the
Tests panel's last run (the engine's coverage and the paths that differ in failing tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fieldwright.app.designer.mapping_lines import LineState
from fieldwright.app.designer.panel import MappingDesigner
from fieldwright.app.designer.schema_model import TEST_MARK_ROLE
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.testing.panel import TestsPanel
from fieldwright.authoring.suite_edits import AddTest, ReplaceTest
from fieldwright.authoring.suite_status import FieldMark, TestStatus, status_of, touches
from fieldwright.resources import examples_dir
from fieldwright.service import open_mapping, test_mapping

HUBSPOT = examples_dir() / "hubspot_to_crm" / "mapping.fwmap.json"
WAIT = 10_000


@pytest.fixture
def session() -> Iterator[DocumentSession]:
    opened = DocumentSession(open_mapping(HUBSPOT), None)
    yield opened
    opened.stack.clear()


@pytest.fixture
def wired(qtbot: QtBot, session: DocumentSession) -> Iterator[tuple[MappingDesigner, TestsPanel]]:
    """A designer and a tests panel on one session, wired as the main window wires them."""
    designer = MappingDesigner(session)
    panel = TestsPanel(session)
    panel.statusChanged.connect(designer.set_test_status)
    for widget in (designer, panel):
        qtbot.addWidget(widget)
    designer.resize(1280, 800)
    designer.show()
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        panel.run_all()
    yield designer, panel
    panel.shutdown()


def line_states(designer: MappingDesigner) -> dict[str, set[str]]:
    states: dict[str, set[str]] = {}
    for line in designer.lines.lines:
        states.setdefault(line.target, set()).add(line.state)
    return states


def mark(designer: MappingDesigner, path: str) -> object:
    model = designer.target.model
    return model.data(model.index_for_path(path), TEST_MARK_ROLE)


def test_fields_no_test_checks_are_untested_until_a_test_checks_them(
    qtbot: QtBot, session: DocumentSession
) -> None:
    full = session.document.tests
    # Only the tests that expect a failure or the filter: they check no field.
    session.document.tests = [t for t in full if t.expected is None]
    designer = MappingDesigner(session)
    panel = TestsPanel(session)
    panel.statusChanged.connect(designer.set_test_status)
    for widget in (designer, panel):
        qtbot.addWidget(widget)
    try:
        with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
            panel.run_all()
        coverage = test_mapping(session.document).coverage
        assert coverage.checked == ()
        targets = [m.target for m in session.document.fields]
        assert {mark(designer, t) for t in targets} == {"untested"}
        assert set().union(*line_states(designer).values()) == {LineState.UNTESTED}
        model = designer.target.model
        tip = model.data(model.index_for_path("$.email"), Qt.ItemDataRole.ToolTipRole)
        assert "No test checks this field" in str(tip)

        with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
            session.push(AddTest(full[0]))
        assert test_mapping(session.document).coverage.unchecked == ()
        assert {mark(designer, t) for t in targets} == {"tested"}
        assert set().union(*line_states(designer).values()) == {LineState.VALID}
    finally:
        panel.shutdown()


def test_a_failing_field_is_red_on_its_lines_and_marked_failing(
    qtbot: QtBot, wired: tuple[MappingDesigner, TestsPanel], session: DocumentSession
) -> None:
    designer, panel = wired
    case = session.document.tests[0]
    wrong = {**(case.expected or {}), "full_name": "Ada King"}
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        session.push(ReplaceTest(0, case.model_copy(update={"expected": wrong})))
    assert mark(designer, "$.full_name") == "failing"
    states = line_states(designer)
    assert states["$.full_name"] == {LineState.ERROR}  # both of its source lines
    assert len([line for line in designer.lines.lines if line.target == "$.full_name"]) == 2
    assert states["$.first_name"] == {LineState.VALID}
    assert mark(designer, "$.source_system") == "tested"  # a constant: no line, still a mark

    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        session.stack.undo()
    assert mark(designer, "$.full_name") == "tested"
    assert line_states(designer)["$.full_name"] == {LineState.VALID}


def test_no_marks_until_a_run_reports_and_none_after_a_new_document(
    qtbot: QtBot, session: DocumentSession
) -> None:
    designer = MappingDesigner(session)
    qtbot.addWidget(designer)
    assert mark(designer, "$.crm_id") is None
    assert line_states(designer)["$.crm_id"] == {LineState.VALID}
    designer.set_test_status(TestStatus(frozenset({"$.crm_id"}), frozenset({"$.email"})))
    assert (mark(designer, "$.crm_id"), mark(designer, "$.email")) == ("tested", "failing")
    assert mark(designer, "$.phone") == "untested"
    session.replace(open_mapping(HUBSPOT), None)
    assert designer.test_status is None
    assert mark(designer, "$.crm_id") is None


def test_differences_inside_and_around_a_field_make_it_fail() -> None:
    document = open_mapping(HUBSPOT)
    suite = test_mapping(document)
    assert status_of(document, suite.results, suite.coverage).failing == frozenset()
    assert touches("$.a[*].b", "$.a[*]") and touches("$.a", "$.a.b")
    assert not touches("$.ab", "$.a") and not touches("$.a", "$.b")
    assert TestStatus(frozenset({"$.x"}), frozenset({"$.x"})).mark("$.x") is FieldMark.FAILING
