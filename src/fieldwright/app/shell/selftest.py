"""`fieldwright --self-test`: prove an installation (wheel or frozen app) works end to end.

It draws the application icon (so the SVG and Qt's SVG plugins shipped),
starts the main window on the Qt platform the app would use (the screen, or
offscreen when QT_QPA_PLATFORM says so) on a throwaway SQLite store (which runs the
shipped Alembic migrations), opens the bundled example mapping, waits for its
live preview, runs its tests off the GUI thread, makes a mapping from a bundled
template and opens it, then prints one line and exits 0 — or prints why not and
exits 1. Nothing of the user's is read or written: settings and store live in a
temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QEventLoop,
    QMessageLogContext,
    QSettings,
    QTimer,
    QtMsgType,
    SignalInstance,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication

__all__ = ["SelfTestFailed", "SelfTestReport", "main", "run_self_test"]

EXAMPLE = Path("hubspot_to_crm") / "mapping.fwmap.json"
TEMPLATE = "template_QBT_WFN"  # a CSV template beside the JSON example


class SelfTestFailed(Exception):
    """One step of the self-test did not do what it should; the message says which and why."""


@dataclass(frozen=True, slots=True)
class SelfTestReport:
    records: int
    failed_records: int
    tests_passed: int
    tests_total: int
    template_key: str
    seconds: float
    #: The Qt platform plugin the window ran on (xcb, wayland, offscreen, windows, cocoa…).
    platform: str

    def line(self) -> str:
        return (
            f"self-test ok: preview {self.records} records ({self.failed_records} failed), "
            f"tests {self.tests_passed}/{self.tests_total} passed, "
            f"template {TEMPLATE} opened, {self.seconds:.1f} s, on Qt platform {self.platform}"
        )


def _wait(signal: SignalInstance, what: str, timeout_s: float) -> None:
    """Run the event loop until `signal` fires; SelfTestFailed after `timeout_s`."""
    from fieldwright.app.shell.workers import wait_for_signal

    if not wait_for_signal(signal, int(timeout_s * 1000)):
        raise SelfTestFailed(f"{what} did not finish within {timeout_s:g} s")


def _off_thread(pool: Any, fn: Callable[[], Any], what: str, timeout_s: float) -> Any:
    """Call `fn` on `pool` (a QThreadPool) and wait for its result on the GUI thread."""
    from fieldwright.app.shell.workers import Task, TaskSignals

    signals = TaskSignals()
    outcome: list[tuple[bool, object]] = []
    signals.done.connect(lambda _g, result: outcome.append((True, result)))
    signals.failed.connect(lambda _g, message: outcome.append((False, message)))
    loop = QEventLoop()
    signals.done.connect(loop.quit)
    signals.failed.connect(loop.quit)
    pool.start(Task(0, fn, signals))
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(int(timeout_s * 1000))
    try:
        if not outcome:  # a very fast task may have reported already
            loop.exec()
    finally:
        guard.stop()
    if not outcome:
        pool.waitForDone()  # never leave the task running behind us
        raise SelfTestFailed(f"{what} did not finish within {timeout_s:g} s")
    ok, value = outcome[0]
    signals.deleteLater()
    if not ok:
        raise SelfTestFailed(f"{what} failed: {value}")
    return value


def run_self_test(example: Path | None = None, *, timeout_s: float = 30.0) -> SelfTestReport:
    """Drive the real main window through the checks; SelfTestFailed names the failing step.

    `example` defaults to the bundled HubSpot example (found through the installed
    package). Creates the QApplication unless one exists, on the platform the app itself
    would use (QT_QPA_PLATFORM=offscreen checks an installation without a screen).
    """
    from PySide6.QtGui import QIcon

    started = time.perf_counter()

    from fieldwright.app.settings.app_settings import AppSettings
    from fieldwright.app.shell.main import create_app
    from fieldwright.app.shell.main_window import MainWindow
    from fieldwright.authoring.store_documents import StoreDocuments
    from fieldwright.resources import examples_dir, resources_dir
    from fieldwright.service import Service, ServiceError

    app = create_app([])
    icon = resources_dir() / "icons" / "fieldwright.svg"
    if QIcon(str(icon)).pixmap(48, 48).isNull():  # the file, and Qt's SVG plugins
        raise SelfTestFailed(f"the application icon cannot be drawn: {icon}")
    path = example if example is not None else examples_dir() / EXAMPLE
    if not path.is_file():
        raise SelfTestFailed(f"the example mapping is missing: {path}")
    with tempfile.TemporaryDirectory(prefix="fieldwright-self-test-") as tmp:
        try:
            service = Service.open(f"sqlite:///{Path(tmp) / 'store.db'}", user="self-test")
        except ServiceError as exc:
            raise SelfTestFailed(f"cannot create and migrate a store: {exc}") from exc
        ini = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(AppSettings(ini), store=StoreDocuments(service))
        try:
            window.show()
            return _drive(window, service, path, timeout_s, started)
        finally:
            window.session.stack.setClean()  # never ask to save a throwaway document
            window.close()
            window.scheduler.stop()
            window.shutdown_workers()  # every page's background work, not only two of them
            window.deleteLater()
            app.processEvents()
            service.close(wait=2.0)


def _drive(
    window: Any, service: Any, path: Path, timeout_s: float, started: float
) -> SelfTestReport:
    from fieldwright.service import test_mapping

    preview = window.preview
    sample, previewed = _Latch(), _Latch()
    preview.sampleLoaded.connect(sample)
    preview.previewUpdated.connect(previewed)
    try:
        if not window.documents.open_path(path, asked=True):
            raise SelfTestFailed(f"the main window could not open {path}")
        connector = window.session.document.source.connector
        named = connector.settings.get("path") if connector is not None else None
        if not isinstance(named, str) or not (path.parent / named).is_file():
            raise SelfTestFailed(f"{path.name} names no sample file beside it (source.connector)")
        # The sample loads off-thread, then the preview runs off-thread.
        if not sample.fired:
            _wait(preview.sampleLoaded, "loading the example's sample records", timeout_s)
        if not preview.items:
            raise SelfTestFailed(preview.message.text() or f"{path.name} names no sample records")
        if not previewed.fired:
            _wait(preview.previewUpdated, "the preview", timeout_s)
    finally:
        preview.sampleLoaded.disconnect(sample)
        preview.previewUpdated.disconnect(previewed)
    counts = preview.model.counts()
    if preview.message.text().startswith("Preview failed"):
        raise SelfTestFailed(preview.message.text())
    if counts["records"] == 0:
        raise SelfTestFailed(f"the preview of {path.name} shows no records")
    if counts["ok"] + counts["filtered"] == 0:
        raise SelfTestFailed(f"every one of the {counts['records']} previewed records failed")

    document = window.session.document.model_copy(deep=True)
    suite = _off_thread(
        preview.pool, lambda: test_mapping(document), "running the tests", timeout_s
    )
    total, passed = len(suite.results), suite.passed
    if total == 0:
        raise SelfTestFailed(f"{path.name} has no tests to run")
    if suite.failed:
        failing = "; ".join(f"{r.name}: {r.message}" for r in suite.results if not r.passed)
        raise SelfTestFailed(f"tests {passed}/{total} passed; failing: {failing}")

    made = _off_thread(
        preview.pool,
        lambda: service.templates.instantiate(TEMPLATE, "SELFTEST"),
        f"making a mapping from the {TEMPLATE} template",
        timeout_s,
    )
    if (
        not window.documents.open_stored(made.key, asked=True)
        or window.session.document.key != made.key
    ):
        raise SelfTestFailed(f"the main window did not open the mapping made from {TEMPLATE}")
    return SelfTestReport(
        records=counts["records"],
        failed_records=counts["failed"],
        tests_passed=passed,
        tests_total=total,
        template_key=made.key,
        seconds=time.perf_counter() - started,
        platform=QGuiApplication.platformName(),
    )


class _Latch:
    """A slot that remembers it was called (a signal may fire before we wait for it)."""

    def __init__(self) -> None:
        self.fired = False

    def __call__(self, *_args: object) -> None:
        self.fired = True


def main(argv: list[str] | None = None) -> int:
    """Print the one-line verdict; 0 when every step passed, 1 otherwise.

    Qt's own warnings (the offscreen platform has a few) are held back and
    printed only when the self-test fails, where they may say why.
    """
    args = sys.argv[1:] if argv is None else argv
    example = Path(args[0]) if args else None
    qt_messages: list[str] = []

    def hold(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        qt_messages.append(message)

    previous = qInstallMessageHandler(hold)
    try:
        report = run_self_test(example)
    except SelfTestFailed as exc:
        for message in qt_messages:
            print(f"qt: {message}", file=sys.stderr)
        print(f"self-test FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        qInstallMessageHandler(previous)
    print(report.line())
    return 0
