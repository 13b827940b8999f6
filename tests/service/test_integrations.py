"""Service.integrations and the registry of integration kinds, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from fieldwright.domain import FORMAT_VERSION, MappingDocument
from fieldwright.domain.approvals import LifecycleState
from fieldwright.domain.runs import RunStatus
from fieldwright.service import (
    AuthKind,
    DataError,
    HubHealth,
    IntegrationFilter,
    InvalidRequest,
    Service,
    integration_kinds,
)
from fieldwright.service.integrations import _kinds
from fieldwright.store import MappingRepository, Store
from tests.service.hub_store import ACME_HS, GLOBEX_QBT, GLOBEX_SHOP, build_hub_store


@pytest.fixture
def hub(service: Service, tmp_path: Path) -> Service:
    build_hub_store(service, tmp_path)
    return service


def test_two_clients_integrations_with_items_schedules_connections_and_health(
    hub: Service,
) -> None:
    overview = hub.integrations()
    assert overview.total == 3 and overview.clients == ["ACME", "GLOBEX"]
    assert overview.systems == ["CRM", "ERP", "HS", "QBT", "SHOP", "WFN"]
    by_label = {i.label: i for i in overview.integrations}
    assert list(by_label) == ["ACME: HS → CRM", "GLOBEX: QBT → WFN", "GLOBEX: SHOP → ERP"]
    acme = by_label["ACME: HS → CRM"]
    assert (acme.source_name, acme.target_name) == ("HubSpot", "CRM")
    [item] = acme.items
    assert (item.key, item.kind, item.latest_version) == (ACME_HS, "mapping", 2)
    assert item.name == "ACME contacts to CRM (v2)" and item.state is LifecycleState.IN_REVIEW
    assert item.connections == ["hubspot_acme"] and item.source_kind == "http"
    assert item.health is HubHealth.NO_RUNS and item.last_run_key is None
    assert [s.key for s in acme.schedules] == ["schedule_HS_CRM_ACME_contacts"]
    assert acme.next_run_at is not None and acme.schedules[0].active
    assert acme.health is HubHealth.NO_RUNS
    globex = by_label["GLOBEX: QBT → WFN"]
    [failed] = globex.items
    assert failed.key == GLOBEX_QBT and failed.state is LifecycleState.DRAFT
    assert failed.last_run_status is RunStatus.FAILED and failed.last_run_key is not None
    assert failed.last_run_key.startswith("proc_QBT_WFN_GLOBEX_")
    assert failed.consecutive_failures == 1 and failed.success_rate == 0.0
    # monitoring's own rule: one failure in a row warns, the alert (3) fails
    assert failed.health is HubHealth.WARNING and globex.health is HubHealth.WARNING
    assert any("failed" in p for p in failed.problems)
    assert globex.connections == ["wfn_drop"] and globex.schedules == []
    [pipeline] = by_label["GLOBEX: SHOP → ERP"].items
    assert (pipeline.kind, pipeline.key, pipeline.state) == ("pipeline", GLOBEX_SHOP, None)
    dumped = json.loads(json.dumps(overview.model_dump(mode="json")))
    assert dumped["integrations"][1]["health"] == "warning"


def test_search_and_filters(hub: Service) -> None:
    def labels(**selection: Any) -> list[str]:
        chosen = IntegrationFilter.model_validate(selection)
        overview = hub.integrations(chosen)
        assert overview.total == 3
        return [i.label for i in overview.integrations]

    assert labels(search="hubspot") == ["ACME: HS → CRM"]  # the kind's name
    assert labels(search="globex payroll") == ["GLOBEX: QBT → WFN"]  # every word
    assert labels(search="nightly") == ["ACME: HS → CRM"]  # a schedule's name
    assert labels(search="WFN_DROP") == ["GLOBEX: QBT → WFN"]  # a connection, any case
    assert labels(search="globex nowhere") == []
    assert labels(client="GLOBEX") == ["GLOBEX: QBT → WFN", "GLOBEX: SHOP → ERP"]
    assert labels(system="ERP") == ["GLOBEX: SHOP → ERP"]
    assert labels(state="in_review") == ["ACME: HS → CRM"]
    assert labels(health="warning") == ["GLOBEX: QBT → WFN"]
    assert labels(health="no_runs", client="GLOBEX") == ["GLOBEX: SHOP → ERP"]
    assert labels(health="failing") == []
    with pytest.raises(InvalidRequest, match="choose one of 24h, 7d, 30d"):
        hub.integrations(window="1y")


def test_the_registry_knows_systems_their_needs_templates_and_saved_connections(
    hub: Service,
) -> None:
    kinds = {k.code: k for k in hub.integration_kinds()}
    for code in ("HS", "SFDC", "QBT", "WFN", "CSV", "NDJSON", "XLSX", "SQL", "HTTP"):
        assert code in kinds
    hubspot = kinds["HS"]
    assert hubspot.auth is AuthKind.OAUTH_TOKEN and hubspot.connector == "http"
    assert hubspot.base_url.startswith("https://api.hubapi.com")
    assert hubspot.rate_limits and hubspot.templates == ["template_HS_CRM"]
    assert hubspot.connections == ["hubspot_acme"]  # on its host
    # the timesheet mapping template, and the pay lines pipeline template
    expected = ["template_QBT_WFN", "template_QBT_WFNPAY"]
    assert sorted(kinds["QBT"].templates) == sorted(kinds["WFN"].templates) == expected
    assert kinds["WFN"].connections == ["wfn_drop"]  # named by a WFN-side mapping
    assert kinds["CSV"].connections == ["wfn_drop"]  # generic: any csv connection
    assert kinds["SFDC"].connections == [] and kinds["IREADY"].auth is AuthKind.NONE
    assert {k.code for k in integration_kinds()} == set(kinds)


def test_a_broken_registry_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kinds.json"
    path.write_text('{"kinds": [{"code": "X", "name": "X", "auth": "magic"}]}', "utf-8")
    with pytest.raises(DataError, match=r"kinds\.json: not a registry of integration kinds"):
        _kinds(path, tmp_path)


@pytest.fixture
def statements(service: Service) -> Iterator[list[str]]:
    """The SELECT statements the store's engine runs from now on."""
    seen: list[str] = []
    engine = service._store.engine

    def count(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _many(store: Store, count: int, offset: int = 0) -> None:
    mappings = MappingRepository(store)
    for n in range(offset, offset + count):
        client = f"C{n % 7:02d}"
        mappings.save_mapping(
            MappingDocument(
                fieldwright=FORMAT_VERSION,
                key=f"mapping_S{n % 5}_T{n % 3}_{client}_{n:08d}",
                name=f"mapping {n}",
                client=client,
                source_system=f"S{n % 5}",
                target_system=f"T{n % 3}",
            )
        )


def test_the_statements_do_not_grow_with_the_mappings(
    service: Service, statements: list[str]
) -> None:
    """No N+1: the overview's statements are the same for 5 mappings and for 60."""
    store = service._store
    _many(store, 5)
    statements.clear()
    few = service.integrations()
    small = len(statements)
    _many(store, 55, offset=5)
    statements.clear()
    many = service.integrations()
    assert len(statements) == small <= 5
    assert sum(len(i.items) for i in few.integrations) == 5
    assert sum(len(i.items) for i in many.integrations) == 60
    assert len(many.integrations) == many.total <= 5 * 3 * 7
