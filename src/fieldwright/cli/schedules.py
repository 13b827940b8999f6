"""`fieldwright schedules list|add|pause|resume|delete|run`: schedules managed headless.

An engineer who runs `fieldwright serve` on a server manages its schedules on
the same store (`-d URL`, else FIELDWRIGHT_DATABASE_URL, else the default
SQLite file) without the desktop app. A running `serve` picks up every change
at its next look at the store.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click

from fieldwright.cli._common import database_option
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import MissedRunPolicy, ScheduleKind, ScheduleRecord
from fieldwright.service import (
    InvalidRequest,
    InvalidSchedule,
    NotFound,
    Service,
    ServiceError,
    describe_schedule,
    plan_schedule,
    validate_schedule,
)

__all__ = ["schedules"]

P = ParamSpec("P")
R = TypeVar("R")


def _clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    """A schedule that cannot be made as asked exits 2 with the reason; a store or run
    problem exits 1; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (InvalidRequest, InvalidSchedule) as exc:
            raise click.UsageError(str(exc)) from exc
        except NotFound as exc:
            raise click.ClickException(str(exc)) from exc
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@contextmanager
def _service(url: str | None) -> Iterator[Service]:
    service = Service.open(url)
    try:
        yield service
    finally:
        service.close()


@click.group("schedules")
def schedules() -> None:
    """List, add, pause, resume, delete and run the store's schedules."""


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "-"


def _next_fire(record: ScheduleRecord) -> datetime | None:
    """The next fire time in the schedule's own time zone; None when paused or invalid."""
    if not record.active:
        return None
    try:
        moment = plan_schedule(record).next_after(datetime.now(UTC))
    except InvalidSchedule:
        return None
    return None if moment is None else moment.astimezone(ZoneInfo(record.timezone))


@schedules.command("list")
@click.option(
    "--mapping",
    "mapping_key",
    metavar="KEY",
    help="Only the schedules of mapping (or pipeline) KEY.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as JSON.")
@database_option
@_clear_errors
def list_schedules(mapping_key: str | None, as_json: bool, url: str | None) -> None:
    """Every schedule: key, what it runs (a mapping, or a pipeline marked so), when it
    fires, whether it is active, its next fire."""
    with _service(url) as service:
        records = service.list_schedules(mapping_key)
    if as_json:
        rows = [{**_row(r, r.mapping_key), "pipeline": r.pipeline} for r in records]
        click.echo(json.dumps(rows, indent=2))
        return
    rows = [
        _row(r, f"{r.mapping_key} (pipeline)" if r.pipeline else r.mapping_key) for r in records
    ]
    if not rows:
        click.echo("no schedules")
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(row[c])) for row in rows)) for c in columns}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        click.echo("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip())


def _row(r: ScheduleRecord, runs: str) -> dict[str, object]:
    """A schedule as `list` prints it, `runs` saying what it runs."""
    return {
        "key": r.key,
        "mapping": runs,
        "when": describe_schedule(r),
        "timezone": r.timezone,
        "state": "active" if r.active else "paused",
        "next": _when(_next_fire(r)),
        "last": _when(r.last_run_at),
    }


def _times(values: tuple[str, ...]) -> list[time]:
    parsed: list[time] = []
    for value in values:
        try:
            parsed.append(time.fromisoformat(value))
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not a time of day (HH:MM)", param_hint="--at"
            ) from None
    return parsed


def _kind(interval: int | None, cron: str | None, at: tuple[str, ...]) -> ScheduleKind:
    chosen = [
        kind
        for kind, given in (
            (ScheduleKind.INTERVAL, interval is not None),
            (ScheduleKind.CRON, cron is not None),
            (ScheduleKind.FIXED_TIME, bool(at)),
        )
        if given
    ]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --interval, --cron or --at")
    return chosen[0]


@schedules.command("add")
@click.argument("key")
@click.option("--mapping", "mapping_key", metavar="KEY", help="The stored mapping to run.")
@click.option("--pipeline", "pipeline_key", metavar="KEY", help="Or the stored pipeline to run.")
@click.option("--interval", type=click.IntRange(min=1), metavar="SECONDS")
@click.option("--cron", metavar="EXPR", help='Five cron fields, e.g. "0 6 * * 1-5".')
@click.option("--at", multiple=True, metavar="HH:MM", help="A time of day; repeat for more.")
@click.option("--timezone", default="UTC", show_default=True, help="An IANA time zone.")
@click.option(
    "--missed",
    type=click.Choice([p.value for p in MissedRunPolicy]),
    default=MissedRunPolicy.RUN_ONCE.value,
    show_default=True,
    help="What a fire time missed while nothing was serving does.",
)
@click.option("--name", help="A name for people (default: the key).")
@click.option("--timeout", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--paused", is_flag=True, help="Create it paused.")
@database_option
@_clear_errors
def add(
    key: str,
    mapping_key: str | None,
    pipeline_key: str | None,
    interval: int | None,
    cron: str | None,
    at: tuple[str, ...],
    timezone: str,
    missed: str,
    name: str | None,
    timeout: int,
    paused: bool,
    url: str | None,
) -> None:
    """Add schedule KEY running mapping --mapping (or pipeline --pipeline) on an interval, a
    cron or times of day."""
    if (mapping_key is None) == (pipeline_key is None):
        raise click.UsageError("give exactly one of --mapping or --pipeline")
    record = ScheduleRecord(
        key=key,
        name=name or key,
        mapping_key=mapping_key or pipeline_key or "",
        pipeline=pipeline_key is not None,
        kind=_kind(interval, cron, at),
        interval_seconds=interval,
        cron=cron,
        fixed_times=_times(at),
        timezone=timezone,
        missed_run_policy=MissedRunPolicy(missed),
        timeout_seconds=timeout,
        active=not paused,
    )
    validate_schedule(record)
    with _service(url) as service:
        if mapping_key is not None:
            service.open_mapping(mapping_key)  # NotFound names a mapping that is not stored
        saved = service.create_schedule(record)
    state = "paused" if paused else f"next: {_when(_next_fire(saved))}"
    click.echo(f"added {saved.key}: {describe_schedule(saved)} ({state})")


def _set_active(key: str, active: bool, url: str | None) -> None:
    with _service(url) as service:
        saved = service.set_schedule_active(key, active)
    click.echo(f"{'resumed' if active else 'paused'} {saved.key}")


@schedules.command("pause")
@click.argument("key")
@database_option
@_clear_errors
def pause(key: str, url: str | None) -> None:
    """Stop schedule KEY from firing until it is resumed."""
    _set_active(key, False, url)


@schedules.command("resume")
@click.argument("key")
@database_option
@_clear_errors
def resume(key: str, url: str | None) -> None:
    """Let schedule KEY fire again, planned afresh from now (paused times are not replayed)."""
    _set_active(key, True, url)


@schedules.command("delete")
@click.argument("key")
@database_option
@_clear_errors
def delete(key: str, url: str | None) -> None:
    """Delete schedule KEY (its past executions and runs stay in the history)."""
    with _service(url) as service:
        service.get_schedule(key)  # NotFound for a key that is not there
        service.delete_schedule(key)
    click.echo(f"deleted {key}")


#: Seconds `schedules run` waits, after its run ended, for the execution to be recorded.
RECORD_WAIT = 30.0


@schedules.command("run")
@click.argument("key")
@database_option
@_clear_errors
def run(key: str, url: str | None) -> None:
    """Run schedule KEY's mapping or pipeline now, as the schedule would, and wait for it.

    Exit code 0 when every record was mapped, 3 when some failed, 1 when the run failed.
    """
    recorded = threading.Event()
    with _service(url) as service:
        # The run's handle ends before its execution is recorded on the schedule (the
        # finished callback does that, then calls ours): wait for it before the store
        # closes, so the execution is in the store once this command returns.
        handle = service.run_schedule_now(key, on_finished=lambda _result: recorded.set())
        result = handle.wait()
        recorded.wait(RECORD_WAIT)
    if result is None:  # wait() without a timeout returns once the run has ended
        raise click.ClickException(f"the run of {key} did not end")
    counts = result.counts
    click.echo(
        f"{result.status.value}: read {counts.read}, written {counts.written}, "
        f"failed {counts.failed}, filtered {counts.filtered} in {result.seconds:.2f} s "
        f"(run {result.key})"
    )
    if result.status is not RunStatus.COMPLETED:
        click.echo(result.message or "the run failed", err=True)
        raise SystemExit(1)
    if counts.failed:
        raise SystemExit(3)
