"""GUI benchmarks, run on demand: `QT_QPA_PLATFORM=offscreen python bench/gui_bench.py`.

1. cold start: a fresh interpreter until the main window is shown (subprocess);
2. opening a 10,000-field schema in the designer (trees, lines, validation);
3. preview refresh of 200 records after an edit (edit → table updated, debounce included),
   and the work behind it alone: the session's one compile of the change and the preview's
   trace of that compile (`... gui_bench.py preview` runs only this one, the quickest).
4. the Schedules page's month of 1,000 schedules (compute + render; `... gui_bench.py calendar`
   runs only this one).
5. the Runs page over 10,000 runs: first page shown, then scrolling to the end of the table
   ten times, each fetching only the next page (`... gui_bench.py runs` runs only this one).
Targets: start < 2 s, schema < 1 s, preview < 150 ms, calendar month < 200 ms, the runs table
never holds more than it has shown (a page of 100 per scroll) and a scroll step < 50 ms.
`... gui_bench.py --help` lists the modes.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, SignalInstance
from PySide6.QtWidgets import QApplication

from fieldwright.app.preview.panel import trace_sample
from fieldwright.app.schedules.panel import SchedulesPanel
from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.app.shell.main import create_app
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.shell.workers import wait_for_signal
from fieldwright.authoring.compilation import compile_for_authoring
from fieldwright.authoring.documents import snapshot
from fieldwright.domain import FieldType, SchemaField
from fieldwright.domain.records import Position, SourceItem
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ScheduleExecutionRecord, ScheduleKind, ScheduleRecord
from fieldwright.resources import examples_dir
from fieldwright.service import Service, open_mapping, read_sample
from fieldwright.store import ScheduleRepository, Store

CALENDAR_TARGET_MS = 200.0

HUBSPOT = examples_dir() / "hubspot_to_crm"

START_SCRIPT = """
import os, sys, tempfile, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QSettings, QTimer
from fieldwright.app.shell.main import create_app
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.app.shell.theme import LIGHT, apply_theme
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


def _wait(signal: SignalInstance, timeout_ms: int = 10_000) -> None:
    wait_for_signal(signal, timeout_ms)


def main() -> None:
    starts = [cold_start() for _ in range(3)]
    print(
        f"cold start to window shown: median {statistics.median(starts) * 1000:.0f} ms "
        f"(runs: {', '.join(f'{s * 1000:.0f}' for s in starts)}) — target < 2000 ms"
    )
    with bench_window() as (app, window):
        open_big_schemas(app, window)
        preview_after_edits(window)


@contextmanager
def bench_window() -> Iterator[tuple[QApplication, MainWindow]]:
    """A shown main window with throwaway settings; closed and deleted afterwards."""
    app = QApplication.instance() or create_app([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window = MainWindow(settings)
        window.resize(1400, 900)
        window.show()
        app.processEvents()
        try:
            yield app, window
        finally:
            window.session.stack.setClean()
            window.close()
            window.shutdown_workers()
            window.deleteLater()
            app.processEvents()


def open_big_schemas(app: QApplication, window: MainWindow) -> None:
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


def preview_after_edits(window: MainWindow) -> None:
    """Edit → table updated, and the work the app does for it off the GUI thread: the
    session's one compile of the change, and the preview's trace of that compile."""
    records = [i.record for i in read_sample(HUBSPOT / "contacts.json", limit=1000)]
    items = [SourceItem(Position(index=n), dict(records[n % len(records)])) for n in range(200)]
    window.session.replace(open_mapping(HUBSPOT / "mapping.fwmap.json"), None)
    window.preview.sample_name = "bench"
    window.preview.set_items(items)
    _wait(window.preview.previewUpdated)
    window.designer.select_mapping("$.first_name")
    edits, compiles, traces = [], [], []
    for n in range(10):
        started = time.perf_counter()
        window.designer.inspector._commit("field_notes", f"bench {n}")
        _wait(window.preview.previewUpdated)
        edits.append(time.perf_counter() - started)
        compilation = window.session.compiled.current
        assert compilation is not None, "the preview showed a compile that is not current"
        copy = snapshot(window.session.document, tests=True)  # what the session's compile reads
        started = time.perf_counter()
        compile_for_authoring(copy)
        compiles.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = trace_sample(compilation, items)
        traces.append(time.perf_counter() - started)
        assert len(result.rows) == len(items)
    compile_ms = statistics.median(compiles) * 1000
    trace_ms = statistics.median(traces) * 1000
    print(
        f"preview of 200 records after an edit: median "
        f"{statistics.median(edits) * 1000:.0f} ms "
        f"edit → table (one compile, then one trace, off the GUI thread); compute alone "
        f"{compile_ms + trace_ms:.0f} ms (compile {compile_ms:.0f} ms + trace "
        f"{trace_ms:.0f} ms) — target < 150 ms"
    )


# -- the Schedules page: a month of 1,000 schedules --------------------------------------


def bench_schedules(mapping_key: str, *, dense: bool, count: int = 1000) -> list[ScheduleRecord]:
    """1,000 schedules in five zones (three with DST). `dense`: a fifth each of daily,
    weekday, hourly and office-hours half-hourly crons and 1-12 h intervals (~9 fire times
    a day each); else a typical store's daily, weekday and weekly crons and 4-24 h
    intervals (~1 a day each)."""
    zones = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Tokyo")
    out = []
    for n in range(count):
        minute, hour = n * 7 % 60, n % 24
        daily, weekdays = f"{minute} {hour} * * *", f"{minute} {hour} * * 1-5"
        if dense:
            crons = (daily, weekdays, f"{minute} * * * *", "*/30 8-18 * * 1-5")
        else:
            crons = (daily, weekdays, f"{minute} {hour} * * {n % 7}", f"{minute} {hour} * * 1,3,5")
        kind, cron, interval = ScheduleKind.CRON, None, None
        if n % 5 < 4:
            cron = crons[n % 5]
        else:
            kind = ScheduleKind.INTERVAL
            interval = 3600 * (1 + n % 12) if dense else 3600 * (4 + n % 21)
        out.append(
            ScheduleRecord(
                key=f"schedule_bench_{n:04d}",
                name=f"Bench schedule {n}",
                mapping_key=mapping_key,
                kind=kind,
                cron=cron,
                interval_seconds=interval,
                timezone=zones[n % len(zones)],
            )
        )
    return out


def calendar_month() -> None:
    for dense in (False, True):
        calendar_month_of(dense=dense)


def calendar_month_of(*, dense: bool) -> None:
    """Compute + render the month view (October 2026, a DST month) of 1,000 schedules,
    half of it past with executions; against the bare service call for the same month."""
    app = QApplication.instance() or create_app([])
    now = datetime(2026, 10, 15, 12, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        service = Service.open(f"sqlite:///{Path(tmp) / 'bench.db'}", user="bench")
        document = open_mapping(HUBSPOT / "mapping.fwmap.json")
        service.save_mapping(document, None)
        schedules = bench_schedules(document.key, dense=dense)
        for record in schedules:
            service.create_schedule(record)
        with Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}", user="bench") as store:
            repository = ScheduleRepository(store)
            for record in schedules[::5]:  # the daily ones ran on the 1st-14th
                for day in range(1, 15):
                    status = RunStatus.FAILED if day % 7 == 0 else RunStatus.COMPLETED
                    repository.record_execution(
                        ScheduleExecutionRecord(
                            schedule_key=record.key,
                            scheduled_at=datetime(2026, 10, day, 6, tzinfo=UTC),
                            status=status,
                        )
                    )
        panel = SchedulesPanel(service, clock=lambda: now)
        panel.resize(1280, 800)
        panel.zone_combo.setCurrentText("Europe/Berlin")
        panel.show()
        app.processEvents()
        calendar = panel.calendar
        totals, computes, renders, references = [], [], [], []
        for _ in range(7):
            started = time.perf_counter()
            panel.reload_calendar()
            computed = time.perf_counter()
            calendar.grab()
            rendered = time.perf_counter()
            totals.append(rendered - started)
            computes.append(computed - started)
            renders.append(rendered - computed)
            data = calendar.data
            assert data is not None
            started = time.perf_counter()
            service.fire_times(data.start, data.end)
            references.append(time.perf_counter() - started)
        assert data is not None
        planned = sum(data.statuses(day).get("planned", 0) for day in data.days)
        past = sum(data.count(day) for day in data.days) - planned
        total = statistics.median(totals) * 1000
        reference = statistics.median(references) * 1000
        print(
            f"calendar month of {len(schedules):,} {'dense' if dense else 'typical'} schedules "
            f"({planned:,} planned fire times, "
            f"{past:,} past executions on 42 days): median {total:.0f} ms compute + render "
            f"(compute {statistics.median(computes) * 1000:.0f} ms incl. the executions query, "
            f"render {statistics.median(renders) * 1000:.0f} ms) — target < "
            f"{CALENDAR_TARGET_MS:.0f} ms ({total / CALENDAR_TARGET_MS:.2f}× the target); "
            f"reference: service.fire_times for the same 42 days {reference:.0f} ms "
            f"({total / reference:.2f}× the reference)"
        )
        panel.close()
        panel.deleteLater()
        app.processEvents()
        service.close()


# -- the Runs page: 10,000 runs, paged ----------------------------------------------------

RUNS_SCROLL_TARGET_MS = 50.0


def runs_table() -> None:
    """Show the Runs page over 10,000 runs and scroll to the end ten times; the model
    fetches the next page of 100 each time (never all), against the bare service call."""
    from store_bench import RUNS, seed_runs  # the store bench's 10,000 runs, inserted in bulk

    from fieldwright.app.runs.panel import PAGE_SIZE, RunsPanel

    app = QApplication.instance() or create_app([])
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'runs.db'}"
        service = Service.open(url, user="bench")
        with Store.open(url, user="bench") as store:
            seed_runs(store)
        panel = RunsPanel(service)
        panel.resize(1280, 800)
        started = time.perf_counter()
        panel.show()  # the first page is read when the page is shown
        app.processEvents()
        first = (time.perf_counter() - started) * 1000
        steps, references = [], []
        for _ in range(10):
            started = time.perf_counter()
            panel.table.scrollToBottom()  # the view asks the model to fetch more at the end
            app.processEvents()
            steps.append((time.perf_counter() - started) * 1000)
            cursor = panel.next_cursor
            started = time.perf_counter()
            service.list_runs(panel.filters(), cursor, limit=PAGE_SIZE)
            references.append((time.perf_counter() - started) * 1000)
        rows = panel.model.rowCount()
        step = statistics.median(steps)
        reference = statistics.median(references)
        print(
            f"runs table over {RUNS:,} runs: first page shown in {first:.0f} ms; after 10 "
            f"scrolls to the end it holds {rows:,} rows ({rows / RUNS:.1%} of the runs); "
            f"scroll step median {step:.1f} ms — target < {RUNS_SCROLL_TARGET_MS:.0f} ms "
            f"({step / RUNS_SCROLL_TARGET_MS:.2f}× the target); reference: service.list_runs "
            f"of the same page {reference:.1f} ms ({step / reference:.2f}× the reference)"
        )
        assert rows <= PAGE_SIZE * 11, "the runs table loaded more than it showed"
        panel.close()
        panel.deleteLater()
        app.processEvents()
        service.close()


MODES = {
    "all": "everything below, in this order (the default)",
    "preview": "only the preview of 200 records after an edit (the quickest)",
    "calendar": "only the Schedules page's month of 1,000 schedules",
    "runs": "only the Runs page over 10,000 runs",
}


def preview_only() -> None:
    with bench_window() as (_app, window):
        preview_after_edits(window)


def usage() -> str:
    modes = "\n".join(f"  {name:<9} {what}" for name, what in MODES.items())
    return f"usage: python bench/gui_bench.py [MODE]\n\nmodes:\n{modes}"


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) == 2 else "all" if len(sys.argv) == 1 else "--help"
    if mode not in MODES:
        print(usage(), file=sys.stdout if mode in ("-h", "--help") else sys.stderr)
        sys.exit(0 if mode in ("-h", "--help") else 2)
    if mode == "all":
        main()
    if mode == "preview":
        preview_only()
    if mode in ("all", "calendar"):
        calendar_month()
    if mode in ("all", "runs"):
        runs_table()
