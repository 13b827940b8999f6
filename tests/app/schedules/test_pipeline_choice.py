"""The schedule editor's "Runs" choice offers stored pipelines after the mappings; editing a
pipeline's schedule keeps the pipeline chosen, even beside a mapping of the same key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from fieldwright.app.schedules.editor import PIPELINE_ROLE, ScheduleEditor
from fieldwright.domain.store_models import ScheduleKind, ScheduleRecord
from fieldwright.service import Service, import_pipeline
from tests.app.helpers import choose
from tests.service.helpers import MAPPING_KEY, simple_document
from tests.service.test_stored_pipelines import KEY, write_pipeline

NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)


def _editor(
    service: Service, qtbot: QtBot, schedule: ScheduleRecord | None = None
) -> ScheduleEditor:
    editor = ScheduleEditor(
        service,
        service.list_mappings(),
        pipelines=service.pipelines.list_pipelines(),
        schedule=schedule,
        clock=lambda: NOW,
    )
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_a_pipeline_is_chosen_saved_and_chosen_again_when_edited(
    service: Service, db_url: str, tmp_path: Path, qtbot: QtBot
) -> None:
    service.save_mapping(simple_document(), None)
    service.save_mapping(simple_document().model_copy(update={"key": KEY}), None)
    import_pipeline(write_pipeline(tmp_path), db_url)
    editor = _editor(service, qtbot)
    runs = editor.combo("mapping")
    texts = [runs.itemText(i) for i in range(runs.count())]
    assert texts[-1] == f"Pipeline: Teams — {KEY}" and len(texts) == 3
    choose(qtbot, runs, MAPPING_KEY)
    editor.select_runs(KEY, pipeline=True)  # the key both a mapping and a pipeline have
    editor.edit("name").setText("Teams nightly")
    record = editor.validate()
    assert record is not None and (record.mapping_key, record.pipeline) == (KEY, True)
    assert record.key == "schedule_EMP_PAY_ACME_teams_nightly"
    editor.accept()
    assert editor.saved is not None and editor.saved.pipeline

    again = _editor(service, qtbot, schedule=service.get_schedule(record.key))
    combo = again.combo("mapping")
    assert combo.currentData() == KEY and combo.currentData(PIPELINE_ROLE) is True
    assert again.combo("mapping").currentText().startswith("Pipeline: ")


def test_a_mappings_schedule_stays_a_mappings(
    service: Service, db_url: str, tmp_path: Path, qtbot: QtBot
) -> None:
    service.save_mapping(simple_document(), None)
    import_pipeline(write_pipeline(tmp_path), db_url)
    schedule = service.create_schedule(
        ScheduleRecord(
            key="schedule_GEN_hourly",
            name="hourly",
            mapping_key=MAPPING_KEY,
            kind=ScheduleKind.INTERVAL,
            interval_seconds=3600,
        )
    )
    editor = _editor(service, qtbot, schedule=schedule)
    record = editor.validate()
    assert record is not None and (record.mapping_key, record.pipeline) == (MAPPING_KEY, False)
