"""GUI test fixtures: a main-window factory with throwaway settings, and a leak check.

Every test runs against settings in an ini file under its tmp dir, never the
user's. The leak check fails a test that leaves top-level widgets alive, a
QThread running or a QTimer active (the napari conftest does the same).
"""

from __future__ import annotations

import gc
import weakref
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


class _ThreadsAndTimers:
    """The QThreads and QTimers of the process, found without walking its whole heap each test.

    A worker of the parallel run holds hundreds of thousands of objects after a few dozen
    tests; a full `gc.collect()` and `gc.get_objects()` walk over them took seconds per
    teardown. Instead each test starts by moving every object alive then into the
    collector's permanent generation (`gc.freeze()`), after noting (weakly) the threads and
    timers among the objects made since the last freeze. A teardown collects and walks only
    what the test made, and checks the noted ones besides. Whatever it finds is confirmed
    against the whole heap (unfrozen and fully collected), so a test fails exactly when the
    full walk would fail it; so is every test whose code freezes the heap itself
    (`fieldwright run` and `serve` do: `no_leaks` notes their `gc.freeze()` calls, which
    would hide what the test made; an unfreeze only makes the walk whole). Every
    `FULL_EVERY` tests the heap is collected in full anyway, and leaving tests/app unfreezes
    it (`_unfreeze_after_the_gui_tests`).
    """

    FULL_EVERY = 25

    def __init__(self) -> None:
        self._seen: weakref.WeakSet[QThread | QTimer] = weakref.WeakSet()
        self._kinds: dict[type, bool] = {}
        self._tests = 0
        self.frozen_by_the_test = False  # set by `no_leaks`'s stand-in for gc.freeze

    def _young(self) -> list[QThread | QTimer]:
        """The threads and timers among the objects the collector tracks (not the frozen)."""
        kinds = self._kinds
        found: list[QThread | QTimer] = []
        for obj in gc.get_objects():
            kind = type(obj)
            watched = kinds.get(kind)
            if watched is None:  # isinstance on a Qt class is slow; ask once per type
                watched = kinds[kind] = issubclass(kind, (QThread, QTimer))
            if watched:
                found.append(obj)
        return found

    def freeze(self) -> None:
        """Before a test: note the threads and timers made since the last call, freeze all."""
        self._tests += 1
        if self._tests % self.FULL_EVERY == 0:  # let garbage frozen meanwhile be freed
            gc.unfreeze()
            gc.collect()
        self._seen.update(self._young())
        _GC_FREEZE()
        self.frozen_by_the_test = False

    def live(self) -> tuple[list[QThread], list[QTimer]]:
        """After a test: the running threads and active timers, as a full collection sees them."""
        gc.collect()  # what the test made (the frozen rest waits)
        threads, timers = self._split([*self._young(), *self._seen])
        if not (threads or timers or self.frozen_by_the_test):
            return [], []
        del threads, timers  # found ones may be garbage kept by frozen garbage: free them first
        gc.unfreeze()
        gc.collect()
        return self._split(self._young())

    @staticmethod
    def _split(objects: list[QThread | QTimer]) -> tuple[list[QThread], list[QTimer]]:
        threads = [t for t in objects if isinstance(t, QThread) and _running(t)]
        timers = [t for t in objects if isinstance(t, QTimer) and _active(t)]
        return threads, timers


_GC_FREEZE = gc.freeze
_THREADS_AND_TIMERS = _ThreadsAndTimers()


def _freeze_in_a_test() -> None:
    _THREADS_AND_TIMERS.frozen_by_the_test = True
    _GC_FREEZE()


@pytest.fixture(autouse=True, scope="package")
def _unfreeze_after_the_gui_tests() -> Iterator[None]:
    """Tests of other packages run in the same worker with the collector as they expect."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def no_leaks(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    apply_theme(qapp, LIGHT)
    before = {id(w) for w in qapp.topLevelWidgets()}
    _THREADS_AND_TIMERS.freeze()
    monkeypatch.setattr(gc, "freeze", _freeze_in_a_test)
    yield
    _flush_deletes()
    leaked = [
        w
        for w in qapp.topLevelWidgets()
        if id(w) not in before and _alive(w) and w.objectName() != "qt_scrollarea_viewport"
    ]
    threads, timers = _THREADS_AND_TIMERS.live()
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
