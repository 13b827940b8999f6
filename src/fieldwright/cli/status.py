"""`fieldwright status`: the monitoring summary in a terminal, and `fieldwright sla`.

Exit codes of `status`: 0 healthy (warnings are printed, not failed on), 1 when
something is failing (an integration failed as often in a row as its alert
threshold, a schedule missed a start or broke its SLA, a health check failed, a
connection's secret or certificate expired),
2 when the store cannot be opened or the options are wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import click

from fieldwright.cli._common import ExitCode, database_option, reported_errors
from fieldwright.service import (
    Health,
    MonitoringSummary,
    MonitoringTotals,
    ScheduleSla,
    Service,
    Window,
)

__all__ = ["EXIT_UNHEALTHY", "render", "sla", "status"]

EXIT_UNHEALTHY = int(ExitCode.FAILED)
_BARS = " ▁▂▃▄▅▆▇█"


def _spark(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return "·" * len(values)
    return "".join(_BARS[min(8, round(v * 8 / top))] if v else "·" for v in values)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def _rate(totals: MonitoringTotals) -> str:
    return "-" if totals.success_rate is None else f"{totals.success_rate:.1%}"


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  " + "  ".join(h.upper().ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
    ]
    lines += [
        "  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return lines


def render(summary: MonitoringSummary) -> str:
    """The summary as text: totals, integrations, schedules, error patterns, checks."""
    totals = summary.totals
    runs = sum(totals.runs.values())
    by_status = ", ".join(f"{n} {s.value}" for s, n in sorted(totals.runs.items()))
    lines = [
        f"Fieldwright status, last {summary.window.value} "
        f"({_when(summary.since)} → {_when(summary.until)} UTC): {summary.health.value.upper()}",
        f"Runs {runs}" + (f" ({by_status})" if by_status else "") + f", success {_rate(totals)}",
        f"Records read {totals.records_read:,}, written {totals.records_written:,}, "
        f"failed {totals.records_failed:,}"
        + (f", {totals.throughput:,.0f} records/s" if totals.throughput else "")
        + (f", {totals.average_seconds:.1f} s per run" if totals.average_seconds else ""),
    ]
    if summary.integrations:
        lines += ["", "Integrations"]
        lines += _table(
            [
                [
                    i.health.value,
                    i.label,
                    i.mapping_key,
                    str(sum(i.totals.runs.values())),
                    _rate(i.totals),
                    str(i.consecutive_failures),
                    f"{i.totals.records_failed:,}",
                    _when(i.last_started_at),
                ]
                for i in summary.integrations
            ],
            ["health", "integration", "mapping", "runs", "success", "in a row", "failed", "last"],
        )
    if summary.schedules:
        lines += ["", "Schedules"]
        lines += _table(
            [
                [
                    s.health.value,
                    s.key,
                    str(s.executions),
                    str(s.missed),
                    str(s.late),
                    f"{s.longest_seconds:.0f} s",
                    "-" if s.sla.expected_seconds is None else f"{s.sla.expected_seconds} s",
                    s.sla.latest_finish or "-",
                ]
                for s in summary.schedules
            ],
            ["health", "schedule", "fired", "missed", "late", "longest", "expected", "finish by"],
        )
    if summary.error_patterns:
        lines += ["", "Error patterns"]
        lines += _table(
            [
                [f"{p.letters:,}", p.step or "-", p.field or "-", _spark(p.trend), p.pattern]
                for p in summary.error_patterns
            ],
            ["letters", "step", "field", "trend", "reason"],
        )
    if summary.checks:
        lines += ["", "Health checks"]
        lines += _table(
            [[c.health.value, c.name, c.subject, c.detail] for c in summary.checks],
            ["health", "check", "for", "detail"],
        )
    if summary.problems:
        lines += ["", "Problems"] + [f"  - {problem}" for problem in summary.problems]
    return "\n".join(lines)


@click.command()
@database_option
@click.option(
    "--window",
    type=click.Choice([w.value for w in Window]),
    default=Window.DAY.value,
    show_default=True,
    help="How far back to look.",
)
@click.option(
    "--mapping", "mapping_key", metavar="KEY", help="Only the integration of mapping KEY."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def status(url: str | None, window: str, mapping_key: str | None, as_json: bool) -> None:
    """How the integrations are doing: runs, success rate, failures in a row, schedules'
    late and missed starts against their SLA, error patterns and health checks (stuck
    files, staging rows, secrets and certificates expiring within 30, 7 and 1 days).

    Exit code 0 when healthy (warnings included), 1 when something is failing, 2 when
    the store cannot be opened.
    """
    with reported_errors(), Service.open(url) as service:
        summary = service.monitoring(window, mapping_key=mapping_key)
    if as_json:
        click.echo(json.dumps(summary.model_dump(mode="json"), indent=2))
    else:
        click.echo(render(summary))
    if summary.health is Health.FAILING:
        raise SystemExit(EXIT_UNHEALTHY)


@click.command()
@click.argument("schedule_key")
@database_option
@click.option("--expected", type=click.IntRange(min=1), help="Seconds a run should take.")
@click.option("--finish-by", metavar="HH:MM", help="Time of day (schedule zone) to finish by.")
@click.option("--late-after", type=click.IntRange(min=1), help="Seconds a start may be late.")
@click.option("--alert-after", type=click.IntRange(min=1), help="Failures in a row that alert.")
def sla(
    schedule_key: str,
    url: str | None,
    expected: int | None,
    finish_by: str | None,
    late_after: int | None,
    alert_after: int | None,
) -> None:
    """Set a schedule's service levels (the options given; the others are cleared)."""
    with reported_errors(), Service.open(url) as service:
        saved = service.set_schedule_sla(
            schedule_key,
            ScheduleSla(
                expected_seconds=expected,
                latest_finish=finish_by,
                late_after_seconds=late_after,
                failures_alert=alert_after,
            ),
        )
    click.echo(f"{schedule_key}: " + json.dumps(saved.model_dump()))
