"""Revision 0007 (issue 19): the runs table takes a pipeline's expanded and merged counts
in its conservation check, and rebuilding it on SQLite keeps every run's dead letters."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from fieldwright.domain.pipeline import PipelineCounts
from fieldwright.domain.runs import RunStatus, RunTrigger
from fieldwright.store import RunRepository, Store
from fieldwright.store.migrate import run_upgrade

NOW = "'2026-12-03 07:00:00'"


def test_upgrading_keeps_runs_and_dead_letters_and_lets_pipelines_conserve(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        run_upgrade(connection, "0006")
        connection.execute(
            text(
                "INSERT INTO runs (key, mapping_key, trigger, status, started_at, records_read, "
                "records_written, records_failed, records_filtered, records_skipped, created_at, "
                f"created_by, updated_at, updated_by) VALUES ('run_old', 'mapping_old', 'manual', "
                f"'completed', {NOW}, 2, 1, 1, 0, 0, {NOW}, 'carol', {NOW}, 'carol')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO dead_letters (run_id, error_id, position, position_text, reason, "
                "occurred_at) VALUES ((SELECT id FROM runs), 'err_validation_1', '{}', 'line 2', "
                f"'no name', {NOW})"
            )
        )
        # An index another revision may give runs (the monitoring ones) survives the rebuild.
        connection.execute(text("CREATE INDEX ix_runs_extra ON runs (mapping_key, status)"))
    engine.dispose()
    with Store.open(db_url) as store:  # migrates with the store's own connections (FKs on)
        with store.connection() as connection:
            names = {index["name"] for index in inspect(connection).get_indexes("runs")}
        assert {"ix_runs_extra", "ix_runs_started_at", "ix_runs_parent_run_key"} <= names
        runs = RunRepository(store)
        old = runs.get_run("run_old")
        assert (old.counts.read, old.counts.written, old.status) == (2, 1, RunStatus.COMPLETED)
        [letter] = runs.dead_letters("run_old").items
        assert (letter.reason, letter.step) == ("no name", None)
        runs.start_run("run_new", mapping_key="pipeline_new", trigger=RunTrigger.MANUAL)
        # 4 orders unwound into 10 lines (6 expanded), 10 lines aggregated into 3 (7 merged).
        counts = PipelineCounts(read=4, written=3, expanded=6, merged=7)
        runs.finish_run("run_new", status=RunStatus.COMPLETED, counts=counts)
        new = runs.get_run("run_new").counts
        assert isinstance(new, PipelineCounts) and (new.expanded, new.merged) == (6, 7)
