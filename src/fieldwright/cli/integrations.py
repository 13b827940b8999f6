"""`fieldwright integrations`: the Integration Hub in a terminal.

Every integration (a client's source system → target system) with its mappings and
pipelines (latest version, lifecycle state, last run, health), schedules and
connections, filtered like the hub's page; `--kinds` lists the registry of integration
kinds instead (auth, base URL, rate limits, connector, templates, saved connections).
Exit code 0, or 2 when the store cannot be opened or an option is wrong.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from fieldwright.cli._common import database_option, reported_errors
from fieldwright.service import (
    HubHealth,
    Integration,
    IntegrationFilter,
    IntegrationKind,
    IntegrationOverview,
    Service,
    Window,
)

__all__ = ["integrations", "render", "render_kinds"]

_STATES = ("draft", "in_review", "approved", "active", "retired")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def _title(integration: Integration) -> str:
    names = [n for n in (integration.source_name, integration.target_name) if n]
    named = (
        f" ({integration.source_name or '?'} → {integration.target_name or '?'})" if names else ""
    )
    return f"{integration.label}{named}  [{integration.health.label}]"


def _integration_lines(integration: Integration) -> list[str]:
    lines = [_title(integration)]
    for item in integration.items:
        state = item.state.label if item.state is not None else "-"
        rate = "-" if item.success_rate is None else f"{item.success_rate:.0%}"
        last = (
            f"{item.last_run_status.value} {_when(item.last_run_at)}"
            if item.last_run_status is not None
            else "never ran"
        )
        lines.append(
            f"  {item.kind:<8} {item.key}  v{item.latest_version} {state}  "
            f"health {item.health.label}, success {rate}, last run {last}"
            + (
                f", {item.consecutive_failures} failed in a row"
                if item.consecutive_failures
                else ""
            )
        )
        lines += [f"           ! {problem}" for problem in item.problems]
    for schedule in integration.schedules:
        active = "active" if schedule.active else "paused"
        lines.append(
            f"  schedule {schedule.key}  {schedule.kind}, {active}, "
            f"next {_when(schedule.next_run_at)}"
        )
    if integration.connections:
        lines.append("  connections " + ", ".join(integration.connections))
    return lines


def render(overview: IntegrationOverview) -> str:
    """The overview as text: one block per integration."""
    shown = len(overview.integrations)
    lines = [
        f"{shown} of {overview.total} integration(s), health over the last {overview.window.value}"
    ]
    for integration in overview.integrations:
        lines += ["", *_integration_lines(integration)]
    return "\n".join(lines)


def render_kinds(kinds: list[IntegrationKind]) -> str:
    """The registry of integration kinds as text."""
    lines = []
    for kind in kinds:
        lines.append(f"{kind.code:<8} {kind.name}  ({kind.category}, {kind.connector} connector)")
        lines.append(
            f"         auth: {kind.auth.label}"
            + (f" — {kind.auth_detail}" if kind.auth_detail else "")
        )
        if kind.base_url:
            lines.append(f"         base URL: {kind.base_url}")
        if kind.rate_limits:
            limits = ", ".join(f"{k} {v}" for k, v in kind.rate_limits.items())
            lines.append(f"         rate limits: {limits}")
        if kind.templates:
            lines.append("         templates: " + ", ".join(kind.templates))
        if kind.connections:
            lines.append("         connections: " + ", ".join(kind.connections))
    return "\n".join(lines)


@click.command()
@database_option
@click.option("--search", default="", metavar="WORDS", help="Words every integration shown has.")
@click.option("--client", metavar="CODE", help="Only this client (e.g. ACME).")
@click.option("--system", metavar="CODE", help="Only integrations from or to this system.")
@click.option(
    "--state", type=click.Choice(_STATES), help="Only with an item whose latest version is in it."
)
@click.option(
    "--health",
    type=click.Choice([h.value for h in HubHealth]),
    help="Only integrations this healthy.",
)
@click.option(
    "--window",
    type=click.Choice([w.value for w in Window]),
    default=Window.WEEK.value,
    show_default=True,
    help="How far back health looks.",
)
@click.option("--kinds", is_flag=True, help="List the registry of integration kinds instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def integrations(
    url: str | None,
    search: str,
    client: str | None,
    system: str | None,
    state: str | None,
    health: str | None,
    window: str,
    kinds: bool,
    as_json: bool,
) -> None:
    """Every integration (client: source system → target system) with its mappings,
    pipelines, schedules, connections, lifecycle states and health."""
    with reported_errors(), Service.open(url) as service:
        if kinds:
            registry = service.integration_kinds()
            if as_json:
                click.echo(json.dumps([k.model_dump(mode="json") for k in registry], indent=2))
            else:
                click.echo(render_kinds(registry))
            return
        overview = service.integrations(
            IntegrationFilter.model_validate(
                {
                    "search": search,
                    "client": client.upper() if client else None,
                    "system": system.upper() if system else None,
                    "state": state,
                    "health": health,
                }
            ),
            window=window,
        )
    if as_json:
        click.echo(json.dumps(overview.model_dump(mode="json"), indent=2))
    else:
        click.echo(render(overview))
