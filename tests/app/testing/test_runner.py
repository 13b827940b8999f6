"""The test runner: a run reads the session's compile when it has one and compiles a
snapshot of the document otherwise; progress and results come back on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.testing import runner as tests_runner
from fieldwright.app.testing.runner import TestRun, TestRunner
from fieldwright.domain import MappingDocument
from fieldwright.resources import examples_dir
from fieldwright.service import open_mapping

HUBSPOT = examples_dir() / "hubspot_to_crm" / "mapping.fwmap.json"
WAIT = 10_000


@pytest.fixture
def session() -> Iterator[DocumentSession]:
    opened = DocumentSession(open_mapping(HUBSPOT), None)
    yield opened
    opened.compiled.pool.waitForDone()
    opened.stack.clear()


@pytest.fixture
def make_runner() -> Iterator[Callable[..., TestRunner]]:
    made: list[TestRunner] = []

    def factory(*args: Any) -> TestRunner:
        made.append(TestRunner(*args))
        return made[-1]

    yield factory
    for runner in made:
        runner.shutdown()


@pytest.fixture
def snapshot_runs(monkeypatch: pytest.MonkeyPatch) -> list[MappingDocument]:
    """The documents the runner compiled itself (its snapshot path)."""
    seen: list[MappingDocument] = []
    original = tests_runner.run_document_tests

    def spy(document: MappingDocument, *args: Any, **kwargs: Any) -> Any:
        seen.append(document)
        return original(document, *args, **kwargs)

    monkeypatch.setattr(tests_runner, "run_document_tests", spy)
    return seen


def _run(qtbot: QtBot, runner: TestRunner, start: Callable[[], int]) -> tuple[TestRun, list[Any]]:
    progress: list[tuple[int, int]] = []
    runner.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(runner.finished, timeout=WAIT) as blocker:
        start()
    run = blocker.args[0]
    assert isinstance(run, TestRun)
    return run, progress


def test_without_the_sessions_compile_a_run_compiles_a_snapshot(
    qtbot: QtBot, make_runner: Callable[..., TestRunner], snapshot_runs: list[MappingDocument]
) -> None:
    document = open_mapping(HUBSPOT)
    runner = make_runner()
    run, progress = _run(qtbot, runner, lambda: runner.start(document))
    assert snapshot_runs == [run.document]
    assert run.document is not document  # the GUI may edit the original meanwhile
    assert run.document.tests == document.tests
    assert run.indexes is None
    assert [r.name for r in run.suite.results] == [t.name for t in document.tests]
    assert progress[-1] == (len(document.tests), len(document.tests))
    assert not runner.running


def test_with_the_sessions_compile_a_run_reads_it(
    qtbot: QtBot,
    session: DocumentSession,
    make_runner: Callable[..., TestRunner],
    snapshot_runs: list[MappingDocument],
) -> None:
    runner = make_runner(None, session.compiled)
    run, progress = _run(qtbot, runner, lambda: runner.start(session.document, [1]))
    assert snapshot_runs == []  # no compile of its own
    assert session.compiled.current is not None
    assert run.document is session.compiled.current.document
    assert run.indexes == [1]
    assert [r.name for r in run.suite.results] == [session.document.tests[1].name]
    assert progress[-1] == (1, 1)


def test_a_document_other_than_the_sessions_is_compiled_by_the_runner(
    qtbot: QtBot,
    session: DocumentSession,
    make_runner: Callable[..., TestRunner],
    snapshot_runs: list[MappingDocument],
) -> None:
    other = open_mapping(HUBSPOT)
    runner = make_runner(None, session.compiled)
    run, _progress = _run(qtbot, runner, lambda: runner.start(other, [0]))
    assert snapshot_runs == [run.document]
    assert [r.name for r in run.suite.results] == [other.tests[0].name]
