"""The hub's detail panel: what a selected integration, item, schedule, connection or
integration kind is, as themed HTML (no widgets here)."""

from __future__ import annotations

import html
from datetime import datetime

from fieldwright.app.shell.theme import Theme
from fieldwright.service import HubHealth, HubItem, HubSchedule, Integration, IntegrationKind

__all__ = ["connection_html", "integration_html", "item_html", "kind_html", "schedule_html"]


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else "–"


def _badge(health: HubHealth, theme: Theme) -> str:
    colour = {
        HubHealth.OK: theme.valid,
        HubHealth.WARNING: theme.untested,
        HubHealth.FAILING: theme.error,
        HubHealth.NO_RUNS: theme.muted,
    }[health]
    return f"<b style='color:{colour}'>● {html.escape(health.label)}</b>"


def _rows(pairs: list[tuple[str, str]], theme: Theme) -> str:
    cells = "".join(
        f"<tr><td style='color:{theme.muted}; padding-right:10px'>{html.escape(k)}</td>"
        f"<td>{v}</td></tr>"
        for k, v in pairs
    )
    return f"<table cellspacing='2'>{cells}</table>"


def integration_html(integration: Integration, theme: Theme) -> str:
    names = ""
    if integration.source_name or integration.target_name:
        names = html.escape(
            f"{integration.source_name or integration.source_system} → "
            f"{integration.target_name or integration.target_system}"
        )
    items = "".join(
        f"<li>{html.escape(i.kind)} <b>{html.escape(i.name)}</b> "
        f"<span style='color:{theme.muted}'>{html.escape(i.key)}</span> {_badge(i.health, theme)}"
        + "".join(f"<br>• {html.escape(p)}" for p in i.problems)
        + "</li>"
        for i in integration.items
    )
    schedules = ", ".join(html.escape(s.key) for s in integration.schedules) or "none"
    connections = ", ".join(html.escape(c) for c in integration.connections) or "none"
    return (
        f"<h3>{html.escape(integration.label)}</h3>"
        f"<p>{names} {_badge(integration.health, theme)}</p>"
        + _rows(
            [
                ("Client", html.escape(integration.client or "–")),
                ("Next run", _when(integration.next_run_at)),
                ("Schedules", schedules),
                ("Connections", connections),
            ],
            theme,
        )
        + f"<ul>{items}</ul>"
    )


def item_html(item: HubItem, theme: Theme) -> str:
    state = item.state.label if item.state is not None else "– (pipelines have no lifecycle)"
    last = (
        f"{html.escape(item.last_run_status.value)} at {_when(item.last_run_at)}"
        f"<br><span style='color:{theme.muted}'>{html.escape(item.last_run_key or '')}</span>"
        if item.last_run_status is not None
        else "never ran"
    )
    rate = "–" if item.success_rate is None else f"{item.success_rate:.1%}"
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in item.problems)
    return (
        f"<h3>{html.escape(item.name)}</h3>"
        f"<p style='color:{theme.muted}'>{html.escape(item.kind)} {html.escape(item.key)}</p>"
        + _rows(
            [
                ("Health", _badge(item.health, theme)),
                ("Version", f"{item.latest_version} ({html.escape(state)})"),
                ("Active version", str(item.active_version) if item.active_version else "none"),
                ("Runs in window", f"{item.runs}, {rate} succeeded" if item.runs else "none"),
                ("Failed in a row", str(item.consecutive_failures)),
                ("Last run", last),
                ("Source", html.escape(item.source_kind or "–")),
                ("Target", html.escape(item.target_kind or "–")),
                ("Connections", html.escape(", ".join(item.connections) or "none")),
                ("Changed", _when(item.updated_at)),
            ],
            theme,
        )
        + (f"<p>Problems:</p><ul>{problems}</ul>" if problems else "")
    )


def schedule_html(schedule: HubSchedule, theme: Theme) -> str:
    return f"<h3>{html.escape(schedule.name)}</h3>" + _rows(
        [
            ("Key", html.escape(schedule.key)),
            ("Runs", html.escape(schedule.mapping_key)),
            ("Kind", html.escape(schedule.kind)),
            ("Active", "yes" if schedule.active else "paused"),
            ("Next run", _when(schedule.next_run_at) if schedule.active else "paused"),
            ("Last run", _when(schedule.last_run_at)),
        ],
        theme,
    )


def connection_html(name: str, users: list[str], theme: Theme) -> str:
    listed = "".join(f"<li>{html.escape(u)}</li>" for u in users)
    return (
        f"<h3>{html.escape(name)}</h3><p style='color:{theme.muted}'>saved connection</p>"
        f"<p>Named by:</p><ul>{listed}</ul>"
    )


def kind_html(kind: IntegrationKind, theme: Theme) -> str:
    limits = ", ".join(
        f"{html.escape(k)}: {html.escape(str(v))}" for k, v in kind.rate_limits.items()
    )
    needs = "".join(f"<li>{html.escape(n)}</li>" for n in kind.needs)
    return (
        f"<h3>{html.escape(kind.name)} <span style='color:{theme.muted}'>"
        f"({html.escape(kind.code)})</span></h3>"
        + _rows(
            [
                ("Category", html.escape(kind.category)),
                ("Connector", html.escape(kind.connector)),
                ("Auth", html.escape(kind.auth.label)),
                ("", html.escape(kind.auth_detail)),
                ("Base URL", html.escape(kind.base_url or "–")),
                ("Rate limits", limits or "–"),
                ("Templates", html.escape(", ".join(kind.templates) or "none")),
                ("Connections", html.escape(", ".join(kind.connections) or "none saved")),
            ],
            theme,
        )
        + (f"<p>Needs:</p><ul>{needs}</ul>" if needs else "")
    )
