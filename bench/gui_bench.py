"""GUI benchmarks, run on demand: `QT_QPA_PLATFORM=offscreen python bench/gui_bench.py`.

1. cold start: a fresh interpreter until the main window is shown (subprocess);
2. opening a 10,000-field schema in the designer (trees, lines, validation);
3. preview refresh of 200 records after an edit (edit → table updated, debounce included).
Targets: start < 2 s, schema < 1 s, preview < 150 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer

from fieldwright.app.main import create_app
from fieldwright.app.main_window import MainWindow
from fieldwright.app.settings import AppSettings
from fieldwright.app.workers import run_preview, snapshot
from fieldwright.domain import FieldType, SchemaField
from fieldwright.domain.records import Position, SourceItem
from fieldwright.resources import examples_dir
from fieldwright.service import open_mapping, read_sample

HUBSPOT = examples_dir() / "hubspot_to_crm"

START_SCRIPT = """
import os, sys, tempfile, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QSettings, QTimer
from fieldwright.app.main import create_app
from fieldwright.app.main_window import MainWindow
from fieldwright.app.settings import AppSettings
from fieldwright.app.theme import LIGHT, apply_theme
app = create_app([])
apply_theme(app, LIGHT)
ini = os.path.join(tempfile.mkdtemp(), "s.ini")
window = MainWindow(AppSettings(QSettings(ini, QSettings.Format.IniFormat)))
window.show()
def shown():
    print("shown", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def cold_start() -> float:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", START_SCRIPT], capture_output=True, text=True, check=True
    )
    assert "shown" in out.stdout, out.stderr
    return time.perf_counter() - started


def big_schema(count: int = 10_000) -> list[SchemaField]:
    groups = count // 100
    return [
        SchemaField(
            name=f"group_{g}",
            type=FieldType.OBJECT,
            fields=[SchemaField(name=f"field_{g}_{i}", example=f"v{i}") for i in range(99)],
        )
        for g in range(groups)
    ]


def _wait(signal: object, timeout_ms: int = 10_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(timeout_ms)
    loop.exec()
    guard.stop()
    signal.disconnect(loop.quit)


def main() -> None:
    starts = [cold_start() for _ in range(3)]
    print(
        f"cold start to window shown: median {statistics.median(starts) * 1000:.0f} ms "
        f"(runs: {', '.join(f'{s * 1000:.0f}' for s in starts)}) — target < 2000 ms"
    )

    app = create_app([])
    with tempfile.TemporaryDirectory() as tmp:
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window = MainWindow(settings)
        window.resize(1400, 900)
        window.show()
        app.processEvents()

        document = open_mapping(HUBSPOT / "mapping.fwmap.json")
        document.source.fields = big_schema()
        document.target.fields = big_schema()
        timings = []
        for _ in range(3):
            fresh = document.model_copy(deep=True)
            started = time.perf_counter()
            window.session.replace(fresh, None)
            window.show_page("Designer")
            app.processEvents()
            timings.append(time.perf_counter() - started)
        print(
            f"open 10,000-field source and target schemas: median "
            f"{statistics.median(timings) * 1000:.0f} ms — target < 1000 ms"
        )

        records = [i.record for i in read_sample(HUBSPOT / "contacts.json", limit=1000)]
        items = [SourceItem(Position(index=n), dict(records[n % len(records)])) for n in range(200)]
        window.session.replace(open_mapping(HUBSPOT / "mapping.fwmap.json"), None)
        window.preview.sample_name = "bench"
        window.preview.set_items(items)
        _wait(window.preview.previewUpdated)
        window.designer.select_mapping("$.first_name")
        edits, computes = [], []
        for n in range(10):
            started = time.perf_counter()
            window.designer.inspector._commit("field_notes", f"bench {n}")
            _wait(window.preview.previewUpdated)
            edits.append(time.perf_counter() - started)
            started = time.perf_counter()
            run_preview(snapshot(window.session.document), items)
            computes.append(time.perf_counter() - started)
        debounce = window.preview.debounce.interval()
        print(
            f"preview of 200 records after an edit: median "
            f"{statistics.median(edits) * 1000:.0f} ms "
            f"edit → table (incl. {debounce} ms debounce); compute alone "
            f"{statistics.median(computes) * 1000:.0f} ms — target < 150 ms"
        )
        window.session.stack.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()


if __name__ == "__main__":
    main()
