"""The Tests panel: run the mapping's tests off the GUI thread, read a failure's diff,
accept the actual output, edit tests with JSON validation, add a test from a preview
record, export JUnit, and re-run in the background after each edit."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.preview.panel import PreviewPanel
from fieldwright.app.testing import runner as tests_runner
from fieldwright.app.testing.panel import TestsPanel
from fieldwright.authoring import compilation
from fieldwright.authoring.edits import remove_mappings
from fieldwright.authoring.suite_edits import ReplaceTest
from fieldwright.authoring.suite_status import Outcome, json_lines
from fieldwright.domain import MappingDocument
from fieldwright.domain.records import Position, SourceItem
from fieldwright.resources import examples_dir
from fieldwright.service import open_mapping, test_mapping

HUBSPOT = examples_dir() / "hubspot_to_crm" / "mapping.fwmap.json"
WAIT = 10_000


@pytest.fixture
def document() -> MappingDocument:
    return open_mapping(HUBSPOT)


@pytest.fixture
def session(document: MappingDocument) -> Iterator[DocumentSession]:
    opened = DocumentSession(document, None)
    yield opened
    opened.stack.clear()  # a dirty stack going away would signal its deleted session


@pytest.fixture
def panel(qtbot: QtBot, session: DocumentSession) -> Iterator[TestsPanel]:
    """The panel over the HubSpot example, after its first (background) run."""
    created = TestsPanel(session)
    qtbot.addWidget(created)
    created.resize(1280, 800)
    created.show()
    assert created.runner.debounce.isActive()  # the tests run shortly after the panel opens ...
    with qtbot.waitSignal(created.resultsReady, timeout=WAIT):
        created.run_all()  # ... or now, on Run all
    yield created
    created.shutdown()


def click_row(qtbot: QtBot, panel: TestsPanel, row: int) -> None:
    table = panel.table
    rect = table.visualRect(panel.model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def replace_text(qtbot: QtBot, widget: Any, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def outcomes(panel: TestsPanel) -> list[Outcome]:
    return [panel.model.outcome(row) for row in range(panel.model.rowCount())]


def break_first_test(qtbot: QtBot, panel: TestsPanel) -> dict[str, Any]:
    """Through the editor: expect "Adah" instead of "Ada" in the first test; Save."""
    click_row(qtbot, panel, 0)
    qtbot.mouseClick(panel.tabs.tabBar(), Qt.MouseButton.LeftButton, pos=_tab_centre(panel, 1))
    assert panel.tabs.currentWidget() is panel.editor
    expected = dict(panel.session.document.tests[0].expected or {})
    expected["first_name"] = "Adah"
    replace_text(qtbot, panel.editor.expected.edit, json.dumps(expected))
    assert panel.editor.save.isEnabled()
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        qtbot.mouseClick(panel.editor.save, Qt.MouseButton.LeftButton)
    return expected


def _tab_centre(panel: TestsPanel, index: int) -> QPoint:
    return panel.tabs.tabBar().tabRect(index).center()


# -- running ----------------------------------------------------------------------------


def test_the_example_runs_on_open_with_outcomes_kinds_and_coverage(
    panel: TestsPanel, document: MappingDocument
) -> None:
    engine = test_mapping(document)
    assert outcomes(panel) == [Outcome.PASSED] * len(document.tests)
    assert panel.model.data(panel.model.index(1, 1)) == "edge case"
    assert panel.counts.text() == f"{len(document.tests)} tests · {engine.passed} passed"
    assert panel.coverage is not None
    assert panel.coverage.ratio == engine.coverage.ratio
    assert panel.coverage_label.text().startswith(f"Coverage {engine.coverage.ratio:.0%} ")
    assert panel.progress.value() == panel.progress.maximum() == len(document.tests)


def test_coverage_shows_the_engines_ratio_when_a_field_goes_unchecked(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    edits = []
    for index, case in enumerate(session.document.tests):
        if case.expected is not None and "source_system" in case.expected:
            expected = {k: v for k, v in case.expected.items() if k != "source_system"}
            edits.append(ReplaceTest(index, case.model_copy(update={"expected": expected})))
    assert edits
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        for edit in edits:
            session.push(edit)
    engine = test_mapping(session.document).coverage
    assert engine.unchecked == ("$.source_system",)
    assert panel.coverage == engine
    assert panel.coverage_label.text() == (
        f"Coverage {engine.ratio:.0%} · 12 of 13 field mappings checked"
    )
    assert "$.source_system" in panel.coverage_label.toolTip()
    # The mapping still writes the field: the tests that no longer expect it fail on it.
    assert panel.status is not None and panel.status.failing == {"$.source_system"}


def test_run_selected_runs_only_those_with_a_progress_bar(
    qtbot: QtBot, session: DocumentSession
) -> None:
    panel = TestsPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    try:
        panel.runner.debounce.stop()  # no background run: only what we ask for
        click_row(qtbot, panel, 1)
        rect = panel.table.visualRect(panel.model.index(3, 0))
        qtbot.mouseClick(
            panel.table.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ControlModifier,
            rect.center(),
        )
        assert panel.selected_rows() == [1, 3]
        with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
            qtbot.mouseClick(panel.run_selected_button, Qt.MouseButton.LeftButton)
        assert outcomes(panel) == [
            Outcome.NOT_RUN,
            Outcome.PASSED,
            Outcome.NOT_RUN,
            Outcome.PASSED,
            Outcome.NOT_RUN,
            Outcome.NOT_RUN,
            Outcome.NOT_RUN,
        ]
        assert (panel.progress.value(), panel.progress.maximum()) == (2, 2)
        assert panel.counts.text() == "7 tests · 2 passed · 5 not run"
    finally:
        panel.shutdown()


def test_a_mapping_that_does_not_compile_marks_every_test_error(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    broken = session.document.fields[1].model_copy(update={"sources": ["$.nowhere["]})
    session.document.fields[1] = broken
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        session.changed.emit()
    assert set(outcomes(panel)) == {Outcome.ERROR}
    click_row(qtbot, panel, 0)
    assert panel.result_view.message.text().startswith("The tests cannot run:")
    assert panel.coverage_label.text() == "Coverage: not measured"
    assert panel.status is None


# -- a failure, its diff, accepting the actual output ----------------------------------


def test_a_failing_test_shows_the_differing_path_highlighted_and_accept_is_undoable(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    break_first_test(qtbot, panel)
    assert session.dirty
    assert outcomes(panel)[0] is Outcome.FAILED
    assert outcomes(panel)[1:] == [Outcome.PASSED] * 6
    assert panel.counts.text() == "7 tests · 6 passed · 1 failed"

    qtbot.mouseClick(panel.tabs.tabBar(), Qt.MouseButton.LeftButton, pos=_tab_centre(panel, 0))
    view = panel.result_view
    for side in (view.expected, view.actual):
        assert [side.paths[line] for line in side.highlighted] == ["$.first_name"]
        assert len(side.extraSelections()) == 1
    expected_lines = view.expected.toPlainText().splitlines()
    assert expected_lines[view.expected.highlighted[0]].strip() == '"first_name": "Adah",'
    actual_lines = view.actual.toPlainText().splitlines()
    assert actual_lines[view.actual.highlighted[0]].strip() == '"first_name": "Ada",'
    table = view.differences
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(3)] == ["$.first_name", '"Adah"', '"Ada"']
    assert view.message.text() == "1 difference from the expected output"

    assert panel.accept_button.isEnabled()
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert outcomes(panel)[0] is Outcome.PASSED
    assert (session.document.tests[0].expected or {})["first_name"] == "Ada"
    assert session.stack.undoText() == "Accept actual output of customer with two companies"
    assert not panel.accept_button.isEnabled()

    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        session.stack.undo()
    assert (session.document.tests[0].expected or {})["first_name"] == "Adah"
    assert outcomes(panel)[0] is Outcome.FAILED


def test_accept_is_disabled_for_passing_and_expected_failure_tests(
    qtbot: QtBot, panel: TestsPanel
) -> None:
    click_row(qtbot, panel, 0)
    assert not panel.accept_button.isEnabled()
    assert panel.result_view.message.text().startswith("Passed in ")
    assert panel.result_view.expected.highlighted == []
    click_row(qtbot, panel, 3)  # "missing email fails the contact": expects a failure
    assert panel.model.tests[3].expect_failure
    assert not panel.accept_button.isEnabled()


# -- editing ----------------------------------------------------------------------------


def test_invalid_json_is_rejected_with_its_line_and_column_and_save_stays_disabled(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    click_row(qtbot, panel, 0)
    qtbot.mouseClick(panel.tabs.tabBar(), Qt.MouseButton.LeftButton, pos=_tab_centre(panel, 1))
    editor = panel.editor
    edit = editor.input.edit
    replace_text(qtbot, edit, '{"id": "1",')
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, '"x": }')
    assert editor.input.error.isVisibleTo(panel)
    assert editor.input.error.text() == "Input: line 2, column 6: Expecting value"
    assert not editor.save.isEnabled()

    replace_text(qtbot, edit, '{"id": "1"}')
    assert not editor.input.error.isVisibleTo(panel)
    assert editor.save.isEnabled()

    replace_text(qtbot, editor.expected.edit, "[1, 2]")
    assert editor.expected.error.text() == "Expected must be a JSON object or null"
    assert not editor.save.isEnabled()
    replace_text(qtbot, editor.expected.edit, "null")
    assert editor.save.isEnabled()

    replace_text(qtbot, editor.name, "   ")
    assert editor.problem.text() == "Name: a test needs a name"
    assert not editor.save.isEnabled()
    replace_text(qtbot, editor.name, "id only, filtered")
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        qtbot.mouseClick(editor.save, Qt.MouseButton.LeftButton)
    saved = session.document.tests[0]
    assert (saved.name, saved.input, saved.expected) == ("id only, filtered", {"id": "1"}, None)
    assert panel.model.data(panel.model.index(0, 0)) == "id only, filtered"
    assert panel.selected_rows() == [0]

    qtbot.mouseClick(editor.revert, Qt.MouseButton.LeftButton)
    assert json.loads(editor.input.edit.toPlainText()) == {"id": "1"}


def test_new_and_delete_are_undoable_edits(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert [t.name for t in session.document.tests][-1] == "new test"
    assert panel.selected_rows() == [7]
    assert panel.tabs.currentWidget() is panel.editor
    click_row(qtbot, panel, 2)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    names = [t.name for t in session.document.tests]
    assert "unicode names keep their accents" not in names
    assert len(names) == 7
    session.stack.undo()
    session.stack.undo()
    assert [t.name for t in session.document.tests] == [t.name for t in open_mapping(HUBSPOT).tests]
    assert not session.dirty


# -- adding a test from a preview record -----------------------------------------------


def test_add_test_from_a_record_uses_the_current_output(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    record = json.loads(json.dumps(session.document.tests[0].input))
    record["id"] = "201"
    record["properties"]["firstname"] = "charles"
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        added = panel.add_test_from_record(record)
    assert added is not None
    assert added.name == "record 201"
    assert added.expected is not None
    assert (added.expected["crm_id"], added.expected["first_name"]) == (201, "Charles")
    assert session.document.tests[-1] == added
    assert panel.selected_rows() == [7]
    assert outcomes(panel)[7] is Outcome.PASSED

    failing = json.loads(json.dumps(record))
    failing["properties"]["email"] = None
    second = panel.add_test_from_record(failing, "no email")
    assert second is not None
    assert (second.name, second.expected, second.expect_failure) == ("no email", None, True)
    again = panel.add_test_from_record(failing, "no email")
    assert again is not None and again.name == "no email (2)"

    for _ in range(3):
        session.stack.undo()
    assert len(session.document.tests) == 7


def test_the_preview_panels_selected_record_becomes_a_test(
    qtbot: QtBot, session: DocumentSession
) -> None:
    preview = PreviewPanel(session)
    panel = TestsPanel(session, record_provider=preview.selected_record)
    qtbot.addWidget(preview)
    qtbot.addWidget(panel)
    try:
        record = json.loads(json.dumps(session.document.tests[1].input))
        record["id"] = "301"
        with qtbot.waitSignal(preview.previewUpdated, timeout=WAIT):
            preview.set_items([SourceItem(Position(index=0), record)])
        preview.table.setCurrentIndex(preview.model.index(0, 2))
        assert preview.selected_record() == record
        qtbot.mouseClick(panel.from_preview_button, Qt.MouseButton.LeftButton)
        added = session.document.tests[-1]
        assert (added.name, added.input) == ("record 301", record)
        assert added.expected is not None and added.expected["stage"] == "Unknown"
    finally:
        preview.shutdown()
        panel.shutdown()


# -- JUnit --------------------------------------------------------------------------------


def test_junit_export_parses_and_counts_the_failure(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession, tmp_path: Path
) -> None:
    break_first_test(qtbot, panel)
    path = tmp_path / "junit.xml"
    assert panel.export_junit(path)
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures")) == ("7", "1")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == session.document.key
    failed = [
        case.get("name") for case in root.iter("testcase") if case.find("failure") is not None
    ]
    assert failed == ["customer with two companies"]
    failure = root.find(".//failure")
    assert failure is not None and "$.first_name" in (failure.text or "")


# -- background re-runs -----------------------------------------------------------------


def test_tests_rerun_in_the_background_after_a_designer_edit(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession
) -> None:
    assert not panel.runner.debounce.isActive()
    session.push(remove_mappings(["$.first_name"]))
    assert panel.runner.debounce.isActive()
    assert panel.runner.debounce.interval() == tests_runner.RERUN_DELAY_MS
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        pass
    failed = [r for r, o in enumerate(outcomes(panel)) if o is Outcome.FAILED]
    assert failed == [0, 1, 2, 6]  # the tests that expect a first_name
    assert panel.status is not None
    assert "$.first_name" not in panel.status.covered
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        session.stack.undo()
    assert set(outcomes(panel)) == {Outcome.PASSED}


def test_a_run_in_flight_is_superseded_by_a_newer_one(
    qtbot: QtBot, panel: TestsPanel, session: DocumentSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started = threading.Event()
    real = compilation.run_document_tests
    calls: list[int] = []

    def held_first(document: MappingDocument, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls))
        if len(calls) == 1:
            started.set()
            release.wait(WAIT / 1000)
        return real(document, *args, **kwargs)

    monkeypatch.setattr(compilation, "run_document_tests", held_first)
    ready: list[int] = []
    panel.resultsReady.connect(lambda: ready.append(panel.runner.generation))
    case = session.document.tests[0]
    wrong = {**(case.expected or {}), "first_name": "Nope"}
    session.push(ReplaceTest(0, case.model_copy(update={"expected": wrong})))
    panel.run_all()  # sees the wrong expectation (once compiled); held in the worker
    qtbot.waitUntil(started.is_set, timeout=WAIT)
    session.stack.undo()  # back to the right expectation ...
    panel.run_all()  # ... and a newer run, queued behind the held one
    with qtbot.waitSignal(panel.resultsReady, timeout=WAIT):
        release.set()
    panel.runner.pool.waitForDone()
    qtbot.wait(50)  # let any queued (stale) result arrive, to be dropped
    assert calls == [0, 1]
    assert ready == [panel.runner.generation]
    assert set(outcomes(panel)) == {Outcome.PASSED}
    panel.runner.debounce.stop()


# -- pretty JSON paths ------------------------------------------------------------------


def test_json_lines_name_the_path_of_every_line() -> None:
    value = {"a": 1, "b": {"c": [1, {"d": None}], "e": {}}, "odd key": "x"}
    lines = json_lines(value)
    assert "\n".join(text for text, _ in lines) == json.dumps(value, indent=2)
    paths = {text.strip().rstrip(","): path for text, path in lines}
    assert paths['"d": null'] == "$.b.c[1].d"
    assert paths['"e": {}'] == "$.b.e"
    assert paths['"odd key": "x"'] == "$['odd key']"
