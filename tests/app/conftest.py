"""GUI test fixtures: a main-window factory with throwaway settings, and a leak check.

Every test runs against settings in an ini file under its tmp dir, never the
user's. The leak check fails a test that leaves top-level widgets alive, a
QThread running or a QTimer active (the napari conftest does the same).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings, QThread, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.theme import LIGHT, apply_theme
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.resources import examples_dir
from fieldwright.service import Service

HUBSPOT = examples_dir() / "hubspot_to_crm" / "mapping.fwmap.json"


def _flush_deletes() -> None:
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()


def _alive(widget: QWidget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:  # the C++ object is gone
        return False
    return True


@pytest.fixture(autouse=True)
def no_leaks(qapp: QApplication) -> Iterator[None]:
    apply_theme(qapp, LIGHT)
    before = {id(w) for w in qapp.topLevelWidgets()}
    yield
    _flush_deletes()
    leaked = [
        w
        for w in qapp.topLevelWidgets()
        if id(w) not in before and _alive(w) and w.objectName() != "qt_scrollarea_viewport"
    ]
    gc.collect()
    threads = [t for t in gc.get_objects() if isinstance(t, QThread) and _running(t)]
    timers = [t for t in gc.get_objects() if isinstance(t, QTimer) and _active(t)]
    for widget in leaked:
        widget.deleteLater()
    _flush_deletes()
    assert not leaked, f"test leaked top-level widgets: {[type(w).__name__ for w in leaked]}"
    assert not threads, f"test leaked running QThreads: {threads}"
    assert not timers, f"test leaked active QTimers: {[t.objectName() for t in timers]}"


def _running(thread: QThread) -> bool:
    try:
        return thread.isRunning() and thread is not QThread.currentThread()
    except RuntimeError:
        return False


def _active(timer: QTimer) -> bool:
    try:
        return timer.isActive()
    except RuntimeError:
        return False


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings" / "fieldwright.ini"


@pytest.fixture
def make_window(qapp: QApplication, settings_path: Path) -> Iterator[Callable[..., MainWindow]]:
    """Build main windows with throwaway settings; closes and deletes them after the test."""
    windows: list[MainWindow] = []

    def factory(
        open_path: Path | None = None, *, show: bool = True, store: StoreDocuments | None = None
    ) -> MainWindow:
        settings = AppSettings(QSettings(str(settings_path), QSettings.Format.IniFormat))
        window = MainWindow(settings, store=store)
        windows.append(window)
        if show:
            window.show()
        if open_path is not None:
            assert window.documents.open_path(open_path)
        return window

    yield factory
    for window in windows:
        if not _alive(window):
            continue
        window.session.stack.setClean()  # never prompt while tearing down
        window.pipeline_session.stack.setClean()
        window.transformation_stack.setClean()
        window.close()
        window.scheduler.stop()
        window.shutdown_workers()
        window.deleteLater()
    _flush_deletes()


# -- a window on a mapping store (a SQLite file of the test's own) ---------------------


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'fieldwright.db'}"


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    (Path(db_url.removeprefix("sqlite:///")).parent).mkdir(parents=True, exist_ok=True)
    opened = Service.open(db_url, user="alice")
    yield opened
    opened.close()


@pytest.fixture
def store_window(service: Service, make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window(store=StoreDocuments(service))
