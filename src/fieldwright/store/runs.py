"""The batch processing log (runs) and the dead letters of each run.

Lists are newest first with keyset paging: pass a page's `next_cursor` as
`after` to get the next one; pages stay stable while new runs arrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.domain.secrets_scan import describe_findings, find_secrets
from fieldwright.domain.store_models import DeadLetterPage, DeadLetterRecord, RunPage, RunRecord
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import InvalidRecord, NotFound
from fieldwright.store.letter_hours import count_letters
from fieldwright.store.models import DeadLetterRow, Run, Schedule
from fieldwright.store.patterns import reason_pattern
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["RunLineage", "RunRepository"]

FINISHED = (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.SKIPPED)
_DEAD_LETTER_COUNT = (
    select(func.count(DeadLetterRow.id)).where(DeadLetterRow.run_id == Run.id).scalar_subquery()
)


def _record(run: Run, schedule_key: str | None, dead_letters: int) -> RunRecord:
    return RunRecord(
        key=run.key,
        mapping_key=run.mapping_key,
        mapping_version=run.mapping_version,
        trigger=run.trigger,
        status=run.status,
        started_at=run.started_at,
        ended_at=run.ended_at,
        counts=_counts(run),
        error_summary=run.error_summary,
        schedule_key=schedule_key,
        started_by=run.created_by,
        dead_letter_count=dead_letters,
    )


def _counts(run: Run) -> RunCounts:
    """A run's counts: a pipeline run's with what its steps expanded and merged."""
    counts = {
        "read": run.records_read,
        "written": run.records_written,
        "failed": run.records_failed,
        "filtered": run.records_filtered,
        "skipped": run.records_skipped,
    }
    if run.records_expanded or run.records_merged:
        # Imported here: a mapping's run does not load the pipeline models (issue 18).
        from fieldwright.domain.pipeline import PipelineCounts

        return PipelineCounts(**counts, expanded=run.records_expanded, merged=run.records_merged)
    return RunCounts(**counts)


def _set_counts(run: Run, counts: RunCounts) -> None:
    run.records_read = counts.read
    run.records_written = counts.written
    run.records_failed = counts.failed
    run.records_filtered = counts.filtered
    run.records_skipped = counts.skipped
    # A pipeline's counts (domain.pipeline's PipelineCounts) carry what its steps expanded
    # and merged; read by name, so that a mapping's run does not import the pipeline models.
    expanded, merged = getattr(counts, "expanded", None), getattr(counts, "merged", None)
    if isinstance(expanded, int) and isinstance(merged, int):
        run.records_expanded = expanded
        run.records_merged = merged


def _error_type(error_id: str) -> str | None:
    """`validation` from `err_validation_1721832983123`."""
    kind = error_id.removeprefix("err_").rpartition("_")[0]
    return kind[:100] if error_id.startswith("err_") and kind else None


def _cursor(run: Run) -> str:
    return f"{run.started_at.isoformat()}|{run.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = cursor.rpartition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except ValueError as exc:
        raise InvalidRecord(f"not a run page cursor: {cursor!r}") from exc


@dataclass(frozen=True, slots=True)
class RunLineage:
    """Where a run comes from and who runs it (revision 0004).

    `parent_key` is the run it retries or reprocesses; `process_id` and `host`
    the process running it; `details` what it read and wrote (no secrets).
    """

    parent_key: str | None = None
    process_id: int | None = None
    host: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _lineage(run: Run) -> RunLineage:
    return RunLineage(run.parent_run_key, run.process_id, run.host, dict(run.details or {}))


class RunRepository:
    """Start, update, finish and list runs; store and page through their dead letters."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _run(self, session: Session, key: str) -> Run:
        run = session.scalar(select(Run).where(Run.key == key))
        if run is None:
            raise NotFound(f"there is no run {key!r} in {self._store.location}")
        return run

    def _schedule_id(self, session: Session, key: str | None) -> int | None:
        if key is None:
            return None
        schedule_id = session.scalar(select(Schedule.id).where(Schedule.key == key))
        if schedule_id is None:
            raise NotFound(f"there is no schedule {key!r} in {self._store.location}")
        return schedule_id

    def add_run(self, record: RunRecord, lineage: RunLineage | None = None) -> RunRecord:
        """Log a run (start one with status running, or record a finished one)."""
        check_key(record.key, "run")
        if lineage is not None:
            secrets = find_secrets(lineage.details, "details")
            if secrets:
                raise InvalidRecord(
                    f"run {record.key!r} would record a secret in {describe_findings(secrets)}; "
                    "keep it in the OS keyring (the connector's credential): the run was not "
                    "started"
                )
        with self._store.session(write=True) as session:
            run = Run(
                key=record.key,
                mapping_key=check_key(record.mapping_key, "mapping"),
                mapping_version=record.mapping_version,
                schedule_id=self._schedule_id(session, record.schedule_key),
                trigger=record.trigger,
                status=record.status,
                started_at=record.started_at,
                ended_at=record.ended_at,
                error_summary=clean(record.error_summary),
                created_by=record.started_by or self._store.user,
            )
            _set_counts(run, record.counts)
            if lineage is not None:
                run.parent_run_key = lineage.parent_key
                run.process_id = lineage.process_id
                run.host = lineage.host
                run.details = clean(lineage.details) or None
            session.add(run)
            session.flush()
            return _record(run, record.schedule_key, 0)

    def start_run(
        self,
        key: str,
        *,
        mapping_key: str,
        mapping_version: int | None = None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        schedule_key: str | None = None,
        started_at: datetime | None = None,
        lineage: RunLineage | None = None,
    ) -> RunRecord:
        return self.add_run(
            RunRecord(
                key=key,
                mapping_key=mapping_key,
                mapping_version=mapping_version,
                trigger=trigger,
                status=RunStatus.RUNNING,
                started_at=started_at or utcnow(),
                schedule_key=schedule_key,
            ),
            lineage,
        )

    def update_counts(self, key: str, counts: RunCounts) -> None:
        """Progress of a running run."""
        with self._store.session(write=True) as session:
            _set_counts(self._run(session, key), counts)

    def finish_run(
        self,
        key: str,
        *,
        status: RunStatus,
        counts: RunCounts,
        error_summary: str | None = None,
        ended_at: datetime | None = None,
    ) -> RunRecord:
        """Record how a run ended; a completed run must balance its counts."""
        if status not in FINISHED:
            raise InvalidRecord(f"a run finishes as one of {[s.value for s in FINISHED]}")
        if status is RunStatus.COMPLETED and not counts.balanced:
            raise InvalidRecord(
                f"run {key!r} does not balance: read {counts.read} ≠ written + failed + "
                f"filtered + skipped ({counts.written} + {counts.failed} + {counts.filtered} + "
                f"{counts.skipped})"
            )
        with self._store.session(write=True) as session:
            run = self._run(session, key)
            run.status = status
            run.ended_at = ended_at or utcnow()
            run.error_summary = clean(error_summary)
            _set_counts(run, counts)
        return self.get_run(key)

    def fail_unfinished_runs(self, reason: str = "interrupted: the program stopped") -> list[str]:
        """Mark runs still "running" (left by a killed process) as failed; returns their keys."""
        with self._store.session(write=True) as session:
            runs = session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)).all()
            for run in runs:
                done = run.records_written + run.records_failed + run.records_filtered
                run.records_skipped = max(run.records_read - done, 0)
                run.status = RunStatus.FAILED
                run.ended_at = utcnow()
                run.error_summary = reason
            return [run.key for run in runs]

    def lineage(self, key: str) -> RunLineage:
        """The parent run, process and details of a run."""
        with self._store.session() as session:
            return _lineage(self._run(session, key))

    def add_details(self, key: str, extra: dict[str, Any]) -> None:
        """Add to what a run recorded (a pipeline run's step counts once it ended)."""
        with self._store.session(write=True) as session:
            run = self._run(session, key)
            run.details = {**(run.details or {}), **clean(extra)}

    def child_runs(self, key: str) -> list[str]:
        """Keys of the runs that retry or reprocess run `key`, oldest first."""
        with self._store.session() as session:
            query = select(Run.key).where(Run.parent_run_key == key).order_by(Run.id)
            return list(session.scalars(query))

    def running_runs(self) -> list[tuple[str, RunLineage]]:
        """Runs still marked running, with the process that runs (or ran) them."""
        with self._store.session() as session:
            runs = session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)).all()
            return [(run.key, _lineage(run)) for run in runs]

    def fail_running_run(self, key: str, reason: str, *, kept_written: bool) -> bool:
        """Fail one run left running by a process that stopped; False if it already ended.

        Without `kept_written` the target kept nothing (an aborted file), so the records
        counted as written are counted as skipped: the counts still add up.
        """
        with self._store.session(write=True) as session:
            run = self._run(session, key)
            if run.status is not RunStatus.RUNNING:
                return False
            if not kept_written:
                run.records_written = 0
            done = run.records_written + run.records_failed + run.records_filtered
            run.records_skipped = max(run.records_read - done, 0)
            run.records_read = max(run.records_read, done)
            run.status = RunStatus.FAILED
            run.ended_at = utcnow()
            run.error_summary = clean(reason)
            return True

    def _select(self) -> Select[Run, str | None, int]:
        return select(Run, Schedule.key, _DEAD_LETTER_COUNT).outerjoin(
            Schedule, Run.schedule_id == Schedule.id
        )

    def get_run(self, key: str) -> RunRecord:
        with self._store.session() as session:
            row = session.execute(self._select().where(Run.key == key)).one_or_none()
            if row is None:
                raise NotFound(f"there is no run {key!r} in {self._store.location}")
            run, schedule_key, count = row
            return _record(run, schedule_key, count)

    @staticmethod
    def _filters(
        mapping_key: str | None,
        status: RunStatus | Iterable[RunStatus] | None,
        trigger: RunTrigger | None,
        since: datetime | None,
        until: datetime | None,
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if mapping_key is not None:
            conditions.append(Run.mapping_key == mapping_key)
        if isinstance(status, RunStatus):
            conditions.append(Run.status == status)
        elif status is not None:
            conditions.append(Run.status.in_(list(status)))
        if trigger is not None:
            conditions.append(Run.trigger == trigger)
        if since is not None:
            conditions.append(Run.started_at >= since)
        if until is not None:
            conditions.append(Run.started_at < until)
        return conditions

    def list_runs(
        self,
        *,
        mapping_key: str | None = None,
        status: RunStatus | Iterable[RunStatus] | None = None,
        trigger: RunTrigger | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> RunPage:
        """A page of runs, newest first; `since` inclusive, `until` exclusive (started_at)."""
        if not 1 <= limit <= 10_000:
            raise InvalidRecord("a page holds 1 to 10,000 runs")
        conditions = self._filters(mapping_key, status, trigger, since, until)
        if after is not None:
            at, ident = _parse_cursor(after)
            conditions.append(or_(Run.started_at < at, and_(Run.started_at == at, Run.id < ident)))
        query = (
            self._select()
            .where(*conditions)
            .order_by(Run.started_at.desc(), Run.id.desc())
            .limit(limit + 1)
        )
        with self._store.session() as session:
            rows = session.execute(query).all()
        items = [_record(run, schedule, count) for run, schedule, count in rows[:limit]]
        cursor = _cursor(rows[limit - 1][0]) if len(rows) > limit else None
        return RunPage(items=items, next_cursor=cursor)

    def count_runs(
        self,
        *,
        mapping_key: str | None = None,
        status: RunStatus | Iterable[RunStatus] | None = None,
        trigger: RunTrigger | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        conditions = self._filters(mapping_key, status, trigger, since, until)
        with self._store.session() as session:
            return session.scalar(select(func.count(Run.id)).where(*conditions)) or 0

    # -- dead letters -----------------------------------------------------------------------

    def add_dead_letters(self, run_key: str, letters: Iterable[DeadLetter]) -> int:
        """Store failed records of a run, in one transaction; returns how many."""
        with self._store.session(write=True) as session:
            run = self._run(session, run_key)
            rows = [
                DeadLetterRow(
                    run_id=run.id,
                    error_id=letter.error_id,
                    error_type=_error_type(letter.error_id),
                    position=clean(letter.position),
                    position_text=clean(letter.position_text),
                    field=clean(letter.field),
                    reason=clean(letter.reason),
                    reason_pattern=reason_pattern(letter.reason),
                    input=clean(letter.input),
                    raw=clean(letter.raw),
                    occurred_at=letter.occurred_at,
                    step=clean(letter.step),
                )
                for letter in letters
            ]
            session.add_all(rows)
            count_letters(
                session,
                (
                    (run.mapping_key, r.error_type, r.field, r.reason_pattern or "", r.occurred_at)
                    for r in rows
                ),
            )
            return len(rows)

    def dead_letters(
        self, run_key: str, *, limit: int = 100, after_id: int | None = None
    ) -> DeadLetterPage:
        """A run's dead letters in the order they failed; pass `next_after_id` for more."""
        with self._store.session() as session:
            run = self._run(session, run_key)
            total = session.scalar(
                select(func.count(DeadLetterRow.id)).where(DeadLetterRow.run_id == run.id)
            )
            query = select(DeadLetterRow).where(DeadLetterRow.run_id == run.id)
            if after_id is not None:
                query = query.where(DeadLetterRow.id > after_id)
            rows = session.scalars(query.order_by(DeadLetterRow.id).limit(limit + 1)).all()
            items = [
                DeadLetterRecord(
                    id=row.id,
                    run_key=run_key,
                    error_id=row.error_id,
                    error_type=row.error_type,
                    position=row.position,
                    position_text=row.position_text,
                    field=row.field,
                    reason=row.reason,
                    input=row.input,
                    raw=row.raw,
                    occurred_at=row.occurred_at,
                    step=row.step,
                )
                for row in rows[:limit]
            ]
        next_id = items[-1].id if len(rows) > limit else None
        return DeadLetterPage(items=items, total=total or 0, next_after_id=next_id)
