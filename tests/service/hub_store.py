"""Two clients' integrations made through the service, for the hub's tests.

ACME: HubSpot → CRM, a mapping reading a saved HTTP connection, scheduled nightly,
its latest version in review. GLOBEX: QuickBooks Time → ADP WorkForce Now, a mapping
writing through a saved file connection, whose only run failed (its source file is
missing); and a pipeline of GLOBEX's SHOP → ERP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fieldwright.domain import FORMAT_VERSION, ConnectorRef, MappingDocument
from fieldwright.domain.document import FieldMapping
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ConnectionRecord, ScheduleKind, ScheduleRecord
from fieldwright.service import RunResult, Service

__all__ = ["ACME_HS", "GLOBEX_QBT", "GLOBEX_SHOP", "build_hub_store"]

ACME_HS = "mapping_HS_CRM_ACME_20261201"
GLOBEX_QBT = "mapping_QBT_WFN_GLOBEX_20261201"
GLOBEX_SHOP = "pipeline_SHOP_ERP_GLOBEX_20261201"


def _mapping(key: str, name: str, source: ConnectorRef, target: ConnectorRef) -> MappingDocument:
    _, src, tgt, client, _day = key.split("_")
    return MappingDocument(
        fieldwright=FORMAT_VERSION,
        key=key,
        name=name,
        client=client,
        source_system=src,
        target_system=tgt,
        source={"connector": source},
        target={"connector": target},
        fields=[FieldMapping(target="$.id", sources=["$.id"])],
    )


def build_hub_store(service: Service, folder: Path) -> RunResult:
    """Fill `service`'s empty store; returns the failed run's result."""
    service.connections.save(
        ConnectionRecord(
            name="hubspot_acme",
            kind="http",
            settings={"url": "https://api.hubapi.com/crm/v3/objects/contacts"},
        )
    )
    service.connections.save(
        ConnectionRecord(
            name="wfn_drop", kind="csv", settings={"path": str(folder / "wfn_paydata.csv")}
        )
    )
    acme = _mapping(
        ACME_HS,
        "ACME contacts to CRM",
        ConnectorRef(kind="http", connection="hubspot_acme"),
        ConnectorRef(kind="csv", settings={"path": str(folder / "crm.csv")}),
    )
    service.save_mapping(acme, None)
    service.save_mapping(acme.model_copy(update={"name": "ACME contacts to CRM (v2)"}), 1)
    service.approvals.submit_for_review(ACME_HS, 2, comment="ready")
    globex = _mapping(
        GLOBEX_QBT,
        "GLOBEX timesheets to payroll",
        ConnectorRef(kind="csv", settings={"path": str(folder / "missing_timesheets.csv")}),
        ConnectorRef(kind="csv", connection="wfn_drop"),
    )
    service.save_mapping(globex, None)
    service.create_schedule(
        ScheduleRecord(
            key="schedule_HS_CRM_ACME_contacts",
            name="ACME contacts, nightly",
            mapping_key=ACME_HS,
            kind=ScheduleKind.CRON,
            cron="0 2 * * *",
            next_run_at=datetime.now(UTC) + timedelta(hours=3),
        )
    )
    service.pipelines.save(
        PipelineDocument(
            fieldwright_pipeline=1,
            key=GLOBEX_SHOP,
            name="GLOBEX shop orders to ERP",
            client="GLOBEX",
            source_system="SHOP",
            target_system="ERP",
        ),
        None,
    )
    result = service.start_run(GLOBEX_QBT).wait()
    assert result is not None and result.status is RunStatus.FAILED
    return result
