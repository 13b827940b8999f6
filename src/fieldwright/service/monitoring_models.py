"""What the monitoring dashboard and `fieldwright status` show: plain pydantic records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from fieldwright.domain.runs import RunStatus

__all__ = [
    "ErrorPattern",
    "Health",
    "HealthCheck",
    "IntegrationHealth",
    "MonitoringSummary",
    "MonitoringTotals",
    "ScheduleHealth",
    "ScheduleSla",
    "Window",
]


class Window(StrEnum):
    """The dashboard's windows, ending now."""

    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def span(self) -> timedelta:
        return {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}[
            self.value
        ]


class Health(StrEnum):
    """ok; warning: worth a look; failing: a threshold is broken (`status` exits non-zero)."""

    OK = "ok"
    WARNING = "warning"
    FAILING = "failing"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class ScheduleSla(_Record):
    """A schedule's service levels; None: not set (defaults apply where they exist)."""

    expected_seconds: int | None = None
    #: "HH:MM" in the schedule's timezone.
    latest_finish: str | None = None
    late_after_seconds: int | None = None
    failures_alert: int | None = None


class MonitoringTotals(_Record):
    runs: dict[RunStatus, int]
    #: Completed runs among the completed and failed ones (None: none ended so).
    success_rate: float | None
    records_read: int
    records_written: int
    records_failed: int
    #: Records read per second of run time.
    throughput: float | None
    average_seconds: float | None
    longest_seconds: float


class IntegrationHealth(_Record):
    """One mapping's runs in the window: a client's source system → target system."""

    mapping_key: str
    name: str
    client: str
    source_system: str
    target_system: str
    totals: MonitoringTotals
    consecutive_failures: int
    last_started_at: datetime | None
    health: Health
    problems: list[str]

    @property
    def label(self) -> str:
        systems = f"{self.source_system or '?'} → {self.target_system or '?'}"
        return f"{self.client}: {systems}" if self.client else systems


class ScheduleHealth(_Record):
    key: str
    name: str
    mapping_key: str
    active: bool
    sla: ScheduleSla
    executions: int
    missed: int
    late: int
    worst_delay_seconds: float
    runs: int
    over_expected: int
    longest_seconds: float
    #: Days whose last run ended after the SLA's latest finish (schedule timezone).
    late_finishes: int
    health: Health
    problems: list[str]


class ErrorPattern(_Record):
    """Dead letters of one step (error type), field and normalised reason."""

    step: str | None
    field: str | None
    pattern: str
    letters: int
    first_at: datetime
    last_at: datetime
    #: Letters per day, aligned with `MonitoringSummary.days`.
    trend: list[int]


class HealthCheck(_Record):
    """One probe of a pattern's health (stuck files, staging rows, an endpoint)."""

    name: str
    subject: str
    health: Health
    detail: str


class MonitoringSummary(_Record):
    window: Window
    since: datetime
    until: datetime
    totals: MonitoringTotals
    integrations: list[IntegrationHealth]
    schedules: list[ScheduleHealth]
    #: The UTC days of the window, and the runs started on each per status.
    days: list[date]
    runs_by_day: dict[RunStatus, list[int]]
    error_patterns: list[ErrorPattern]
    checks: list[HealthCheck]
    #: How long the summary took to compute, in seconds.
    elapsed: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def health(self) -> Health:
        levels = [i.health for i in self.integrations] + [s.health for s in self.schedules]
        levels += [c.health for c in self.checks]
        if Health.FAILING in levels:
            return Health.FAILING
        return Health.WARNING if Health.WARNING in levels else Health.OK

    @computed_field  # type: ignore[prop-decorator]
    @property
    def problems(self) -> list[str]:
        """Every problem, each naming its integration, schedule or check."""
        found = [f"{i.mapping_key}: {p}" for i in self.integrations for p in i.problems]
        found += [f"{s.key}: {p}" for s in self.schedules for p in s.problems]
        found += [f"{c.subject}: {c.detail}" for c in self.checks if c.health is not Health.OK]
        return found
