"""IntegrationRepository: the hub's aggregate reads, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fieldwright.domain import FORMAT_VERSION, ConnectorRef, MappingDocument
from fieldwright.domain.approvals import LifecycleState
from fieldwright.domain.document import Endpoint
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import RunRecord
from fieldwright.store import (
    LifecycleRepository,
    MappingRepository,
    PipelineRepository,
    RunRepository,
    Store,
)
from fieldwright.store.integrations import IntegrationRepository

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _document(key: str, **codes: str) -> MappingDocument:
    return MappingDocument(fieldwright=FORMAT_VERSION, key=key, name=key, **codes)


def test_documents_carry_their_latest_versions_codes_connectors_and_state(store: Store) -> None:
    mappings = MappingRepository(store)
    coded = _document("mapping_QBT_WFN_ACME_20261201", client="ACME", source_system="QBT")
    mappings.save_mapping(coded)
    later = coded.model_copy(
        update={
            "target_system": "WFN",
            "source": Endpoint(connector=ConnectorRef(kind="http", connection="qbt_api")),
        }
    )
    mappings.save_mapping(later, base_version=1)
    mappings.save_mapping(_document("mapping_free_form"))
    lifecycle, key = LifecycleRepository(store), "mapping_QBT_WFN_ACME_20261201"
    lifecycle.change("submit", key, 1)
    for role in lifecycle.lifecycle(key, 1).required_roles:
        lifecycle.change("sign_off", key, 1, role=role, details={"passed": 1, "failed": 0})
    lifecycle.change("approve", key, 1)
    lifecycle.change("activate", key, 1)
    PipelineRepository(store).save_pipeline(
        PipelineDocument(
            fieldwright_pipeline=1, key="pipeline_SHOP_ERP_ACME_20261201", name="orders"
        )
    )
    repo = IntegrationRepository(store)
    rows = {row.key: row for row in repo.mappings()}
    qbt = rows["mapping_QBT_WFN_ACME_20261201"]
    assert (qbt.client, qbt.source_system, qbt.target_system) == ("ACME", "QBT", "WFN")
    assert (qbt.source_kind, qbt.source_connection, qbt.target_kind) == ("http", "qbt_api", "")
    assert qbt.latest_version == 2 and qbt.state is LifecycleState.DRAFT
    assert qbt.active_version == 1
    free = rows["mapping_free_form"]
    assert (free.client, free.source_system, free.state) == ("", "", LifecycleState.DRAFT)
    [pipeline] = repo.pipelines()
    assert (pipeline.kind, pipeline.key, pipeline.client, pipeline.state) == (
        "pipeline",
        "pipeline_SHOP_ERP_ACME_20261201",
        "",
        None,
    )


def test_latest_runs_are_the_latest_started_per_key(store: Store) -> None:
    runs = RunRepository(store)
    for n, (key, status) in enumerate(
        [
            ("mapping_A_B_C", RunStatus.COMPLETED),
            ("mapping_A_B_C", RunStatus.FAILED),
            ("mapping_X_Y_Z", RunStatus.COMPLETED),
        ]
    ):
        runs.add_run(
            RunRecord(
                key=f"proc_{n}",
                mapping_key=key,
                status=status,
                started_at=T0 + timedelta(minutes=n),
                ended_at=T0 + timedelta(minutes=n, seconds=5),
            )
        )
    latest = IntegrationRepository(store).latest_runs()
    assert {k: (r.run_key, r.status) for k, r in latest.items()} == {
        "mapping_A_B_C": ("proc_1", RunStatus.FAILED),
        "mapping_X_Y_Z": ("proc_2", RunStatus.COMPLETED),
    }
    assert latest["mapping_A_B_C"].started_at == T0 + timedelta(minutes=1)
