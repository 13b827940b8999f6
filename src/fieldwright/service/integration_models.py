"""What the Integration Hub and `fieldwright integrations` show: plain pydantic records.

An integration is a client's source system → target system (the codes of a business
key, `mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}`); it holds the stored mappings and
pipelines with those codes, their schedules, the saved connections they name, and
their health as the monitoring summary judges it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, JsonValue, computed_field

from fieldwright.domain.approvals import LifecycleState
from fieldwright.domain.runs import RunStatus
from fieldwright.service.monitoring_models import Health, Window

__all__ = [
    "AuthKind",
    "HubHealth",
    "HubItem",
    "HubSchedule",
    "Integration",
    "IntegrationFilter",
    "IntegrationKind",
    "IntegrationOverview",
]


class HubHealth(StrEnum):
    """An item's or integration's health in the window; `no_runs`: nothing ran in it."""

    OK = "ok"
    WARNING = "warning"
    FAILING = "failing"
    NO_RUNS = "no_runs"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def of(cls, health: Health | None) -> HubHealth:
        return cls.NO_RUNS if health is None else cls(health.value)


#: Worst first: an integration is as healthy as its least healthy item.
_SEVERITY = {HubHealth.FAILING: 3, HubHealth.WARNING: 2, HubHealth.OK: 1, HubHealth.NO_RUNS: 0}


def worst(levels: list[HubHealth]) -> HubHealth:
    return max(levels, key=_SEVERITY.__getitem__, default=HubHealth.NO_RUNS)


class AuthKind(StrEnum):
    API_KEY = "api_key"
    OAUTH_TOKEN = "oauth_token"
    BASIC = "basic"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            "api_key": "API key",
            "oauth_token": "OAuth token",
            "basic": "user + password",
            "none": "none",
        }[self.value]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class IntegrationKind(_Record):
    """A system the connectors and templates know, and what connecting to it needs."""

    code: str
    name: str
    aliases: list[str] = []
    #: crm, hr, education, finance, operations, generic.
    category: str
    #: The connector kind that reads or writes it (csv, ndjson, json, xlsx, sql, http).
    connector: str
    auth: AuthKind
    auth_detail: str = ""
    base_url: str = ""
    #: Host names of its endpoints; a saved connection whose URL is on one is this kind's.
    hosts: list[str] = []
    rate_limits: dict[str, JsonValue] = {}
    needs: list[str] = []
    #: Codes of the built-in templates reading or writing it.
    templates: list[str] = []
    #: Names of the saved connections to it (filled when asked through a store).
    connections: list[str] = []


class HubItem(_Record):
    """A stored mapping or pipeline of an integration."""

    kind: str  #: "mapping" or "pipeline"
    key: str
    name: str
    latest_version: int
    #: The latest version's lifecycle state; None for pipelines (they have none).
    state: LifecycleState | None
    active_version: int | None
    updated_at: datetime
    source_kind: str
    target_kind: str
    #: Saved connections its source and target name.
    connections: list[str]
    last_run_key: str | None
    last_run_status: RunStatus | None
    last_run_at: datetime | None
    #: Over the overview's window (None: no run ended completed or failed in it).
    success_rate: float | None
    runs: int
    consecutive_failures: int
    health: HubHealth
    problems: list[str]


class HubSchedule(_Record):
    key: str
    name: str
    mapping_key: str
    kind: str
    active: bool
    next_run_at: datetime | None
    last_run_at: datetime | None


class Integration(_Record):
    client: str
    source_system: str
    target_system: str
    #: The systems' names from the registry of kinds ("" when the code is not in it).
    source_name: str
    target_name: str
    items: list[HubItem]
    schedules: list[HubSchedule]
    connections: list[str]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def health(self) -> HubHealth:
        return worst([item.health for item in self.items])

    @property
    def label(self) -> str:
        systems = f"{self.source_system or '?'} → {self.target_system or '?'}"
        return f"{self.client}: {systems}" if self.client else systems

    @property
    def next_run_at(self) -> datetime | None:
        times = [s.next_run_at for s in self.schedules if s.active and s.next_run_at]
        return min(times, default=None)

    @property
    def last_run(self) -> HubItem | None:
        ran = [item for item in self.items if item.last_run_at is not None]
        return max(ran, key=lambda item: item.last_run_at or datetime.min, default=None)


class IntegrationFilter(_Record):
    """Which integrations to show. Each search word must appear in the integration's
    codes, system names, items' keys or names, schedules or connections."""

    search: str = ""
    client: str | None = None
    #: A system code on either side.
    system: str | None = None
    #: Integrations with an item whose latest version is in this state.
    state: LifecycleState | None = None
    health: HubHealth | None = None


class IntegrationOverview(_Record):
    window: Window
    integrations: list[Integration]
    #: Before filtering: how many integrations there are, and the choices for the filters.
    total: int
    clients: list[str]
    systems: list[str]
    elapsed: float
