"""The Integration Hub: every integration (a client's source system → target system) with
its mappings, pipelines, schedules, connections, lifecycle states and health; and the
registry of integration kinds (`resources/integration_kinds.json`).

`integration_overview` asks the store for a fixed handful of aggregate queries (the
documents with their codes read in SQL, schedules, latest runs, the monitoring
window's activity) and groups them; health is the monitoring summary's own judgement
of each mapping (`service/monitoring.py`), never a second definition.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.domain.template import load_template
from fieldwright.resources import resources_dir
from fieldwright.service.errors import DataError
from fieldwright.service.integration_models import (
    HubHealth,
    HubItem,
    HubSchedule,
    Integration,
    IntegrationFilter,
    IntegrationKind,
    IntegrationOverview,
)

# The monitoring summary's own judgement of one mapping's runs: the hub shows the same
# health as the Monitoring page and `fieldwright status`, never a second definition.
from fieldwright.service.monitoring import DEFAULT_FAILURES_ALERT, integration_health
from fieldwright.service.monitoring_models import Window
from fieldwright.store import MonitoringRepository, Store
from fieldwright.store.integrations import DocumentRow, IntegrationRepository, ScheduleRow

__all__ = [
    "connections_by_system",
    "filter_integrations",
    "integration_kinds",
    "integration_overview",
    "kinds_with_connections",
]

#: mapping_QBT_WFN_ACME_20250724 or pipeline_SHOP_ERP_ACME_20261203: source, target, client.
_KEY = re.compile(
    r"^(?:mapping|pipeline)_([A-Z0-9]{2,16})_([A-Z0-9]{2,16})_([A-Z0-9_]{2,16}?)(?:_\d{8})?$"
)
_TEMPLATE_CODE = re.compile(r"^template_([A-Z0-9]{2,16})_([A-Z0-9]{2,16})$")


# -- the registry of kinds ------------------------------------------------------------------


def _template_systems(folder: Path) -> list[tuple[str, set[str], set[str]]]:
    """Each built-in template's code, the names and codes of its two systems, and the
    connector kinds its endpoints and connection template use."""
    found = []
    for path in sorted(folder.glob("*.fwtemplate.json")):
        template = load_template(path)
        names = {template.source_system.lower(), template.target_system.lower()}
        match = _TEMPLATE_CODE.match(template.code)
        if match:
            names |= {match.group(1).lower(), match.group(2).lower()}
        connectors = {
            endpoint.connector.kind
            for endpoint in (template.source, template.target)
            if endpoint.connector is not None
        }
        for side in template.connection_template.values():
            if isinstance(side, dict) and isinstance(side.get("kind"), str):
                connectors.add(str(side["kind"]))
        found.append((template.code, names, connectors))
    return found


@cache
def _kinds(path: Path, templates: Path) -> tuple[IntegrationKind, ...]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        kinds = [IntegrationKind.model_validate(entry) for entry in raw["kinds"]]
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise DataError(f"{path}: not a registry of integration kinds ({exc})") from exc
    systems = _template_systems(templates)
    result = []
    for kind in kinds:
        names = {kind.code.lower(), kind.name.lower(), *(a.lower() for a in kind.aliases)}
        if kind.category == "generic":  # the templates that read or write through it
            codes = [code for code, _names, kinds in systems if kind.connector in kinds]
        else:
            codes = [code for code, system_names, _kinds in systems if names & system_names]
        result.append(kind.model_copy(update={"templates": codes}))
    return tuple(result)


def integration_kinds(path: Path | None = None) -> list[IntegrationKind]:
    """Every system the connectors and templates know, with what connecting needs."""
    folder = resources_dir()
    return list(_kinds(path or folder / "integration_kinds.json", folder / "templates"))


def _host(connection: ConnectionRecord) -> str:
    url = connection.settings.get("url")
    return (urlsplit(url).hostname or "").lower() if isinstance(url, str) else ""


def kinds_with_connections(
    kinds: list[IntegrationKind],
    connections: Iterable[ConnectionRecord],
    used: dict[str, set[str]] | None = None,
) -> list[IntegrationKind]:
    """`kinds` with the saved connections to each: a connection whose URL is on one of
    the kind's hosts, one that a mapping of the system names (`used`: connection names
    by system code), or, for a generic kind, any of its connector kind."""
    listed = list(connections)
    result = []
    for kind in kinds:
        names = set((used or {}).get(kind.code, set()))
        for connection in listed:
            host = _host(connection)
            on_host = bool(host) and any(host == h or host.endswith("." + h) for h in kind.hosts)
            generic = kind.category == "generic" and connection.kind == kind.connector
            if on_host or generic:
                names.add(connection.name)
        result.append(kind.model_copy(update={"connections": sorted(names)}))
    return result


def connections_by_system(store: Store) -> dict[str, set[str]]:
    """The saved connections the stored documents name, by the system code of their side."""
    repo = IntegrationRepository(store)
    used: dict[str, set[str]] = {}
    for row in repo.mappings() + repo.pipelines():
        _client, source, target = _codes(row)
        for code, connection in ((source, row.source_connection), (target, row.target_connection)):
            if code and connection:
                used.setdefault(code, set()).add(connection)
    return used


# -- the overview ---------------------------------------------------------------------------


def _codes(row: DocumentRow) -> tuple[str, str, str]:
    client, source, target = row.client, row.source_system, row.target_system
    match = _KEY.match(row.key)
    if match:
        source = source or match.group(1)
        target = target or match.group(2)
        client = client or match.group(3)
    return client, source, target


def _schedule(row: ScheduleRow) -> HubSchedule:
    return HubSchedule(
        key=row.key,
        name=row.name,
        mapping_key=row.mapping_key,
        kind=row.kind,
        active=row.active,
        next_run_at=row.next_run_at,
        last_run_at=row.last_run_at,
    )


def integration_overview(
    store: Store,
    window: Window = Window.WEEK,
    selection: IntegrationFilter | None = None,
    *,
    now: datetime | None = None,
) -> IntegrationOverview:
    """Every integration with its items, schedules, connections and health over `window`,
    then `selection`'s filters (the overview's `total` counts them all)."""
    started = time.perf_counter()
    repo = IntegrationRepository(store)
    documents = repo.mappings() + repo.pipelines()
    schedules = repo.schedules()
    latest = repo.latest_runs()
    until = (now or datetime.now(UTC)).astimezone(UTC)
    monitoring = MonitoringRepository(store)
    activities = {a.mapping_key: a for a in monitoring.activity(until - window.span, until)[0]}
    failures = monitoring.consecutive_failures(list(activities)) if activities else {}
    alerts: dict[str, int] = {}
    for schedule in schedules:
        if schedule.failures_alert is not None:
            key = schedule.mapping_key
            alerts[key] = min(schedule.failures_alert, alerts.get(key, 99))
    names = {kind.code: kind.name for kind in integration_kinds()}
    groups: dict[tuple[str, str, str], list[HubItem]] = {}
    for row in documents:
        client, source, target = _codes(row)
        activity = activities.get(row.key)
        judged = (
            integration_health(
                activity,
                failures.get(row.key, 0),
                alerts.get(row.key, DEFAULT_FAILURES_ALERT),
                (row.name, client, source, target),
            )
            if activity is not None
            else None
        )
        last = latest.get(row.key)
        groups.setdefault((client, source, target), []).append(
            HubItem(
                kind=row.kind,
                key=row.key,
                name=row.name,
                latest_version=row.latest_version,
                state=row.state,
                active_version=row.active_version,
                updated_at=row.updated_at,
                source_kind=row.source_kind,
                target_kind=row.target_kind,
                connections=sorted(
                    {c for c in (row.source_connection, row.target_connection) if c}
                ),
                last_run_key=last.run_key if last else None,
                last_run_status=last.status if last else None,
                last_run_at=last.started_at if last else None,
                success_rate=judged.totals.success_rate if judged else None,
                runs=sum(judged.totals.runs.values()) if judged else 0,
                consecutive_failures=judged.consecutive_failures if judged else 0,
                health=HubHealth.of(judged.health if judged else None),
                problems=judged.problems if judged else [],
            )
        )
    by_mapping: dict[str, list[HubSchedule]] = {}
    for schedule in schedules:
        by_mapping.setdefault(schedule.mapping_key, []).append(_schedule(schedule))
    integrations = [
        Integration(
            client=client,
            source_system=source,
            target_system=target,
            source_name=names.get(source, ""),
            target_name=names.get(target, ""),
            items=items,
            schedules=[s for item in items for s in by_mapping.get(item.key, [])],
            connections=sorted({c for item in items for c in item.connections}),
        )
        for (client, source, target), items in sorted(groups.items())
    ]
    return IntegrationOverview(
        window=window,
        integrations=filter_integrations(integrations, selection or IntegrationFilter()),
        total=len(integrations),
        clients=sorted({i.client for i in integrations if i.client}),
        systems=sorted({s for i in integrations for s in (i.source_system, i.target_system) if s}),
        elapsed=time.perf_counter() - started,
    )


def _words(integration: Integration) -> str:
    parts = [
        integration.client,
        integration.source_system,
        integration.target_system,
        integration.source_name,
        integration.target_name,
        *integration.connections,
    ]
    for item in integration.items:
        parts += [item.key, item.name]
    for schedule in integration.schedules:
        parts += [schedule.key, schedule.name]
    return "\n".join(parts).lower()


def filter_integrations(
    integrations: list[Integration], selection: IntegrationFilter
) -> list[Integration]:
    """The integrations `selection` keeps, in their order."""
    words = selection.search.lower().split()
    kept = []
    for integration in integrations:
        if selection.client is not None and integration.client != selection.client:
            continue
        systems = (integration.source_system, integration.target_system)
        if selection.system is not None and selection.system not in systems:
            continue
        if selection.state is not None and all(
            item.state != selection.state for item in integration.items
        ):
            continue
        if selection.health is not None and integration.health != selection.health:
            continue
        if words:
            text = _words(integration)
            if not all(word in text for word in words):
                continue
        kept.append(integration)
    return kept
