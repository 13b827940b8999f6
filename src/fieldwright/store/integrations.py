"""The Integration Hub's queries: every stored mapping and pipeline with its codes, state,
schedules and latest run, in a handful of statements whatever the number of documents.

The codes (client, source and target system) and the connectors a document names are
read by the database from the latest version's JSON text (``json_extract`` on SQLite,
``jsonb_extract_path_text`` on PostgreSQL): no document body is loaded into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from fieldwright.domain.approvals import LifecycleState
from fieldwright.domain.runs import RunStatus
from fieldwright.store.models import (
    Mapping,
    MappingVersion,
    Pipeline,
    PipelineVersion,
    Run,
    Schedule,
    VersionLifecycleRow,
)
from fieldwright.store.monitoring_letters import _utc
from fieldwright.store.store import Store

__all__ = ["DocumentRow", "IntegrationRepository", "LatestRun", "ScheduleRow"]

#: The JSON paths read from each document's latest version, by the name they get here.
_PATHS: dict[str, tuple[str, ...]] = {
    "client": ("client",),
    "source_system": ("source_system",),
    "target_system": ("target_system",),
    "source_kind": ("source", "connector", "kind"),
    "source_connection": ("source", "connector", "connection"),
    "target_kind": ("target", "connector", "kind"),
    "target_connection": ("target", "connector", "connection"),
}


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A stored mapping or pipeline as the hub lists it (its latest version)."""

    kind: str  #: "mapping" or "pipeline"
    key: str
    name: str
    latest_version: int
    updated_at: datetime
    client: str
    source_system: str
    target_system: str
    source_kind: str
    source_connection: str
    target_kind: str
    target_connection: str
    #: The latest version's lifecycle state (mappings; pipelines have none: None).
    state: LifecycleState | None
    #: The version schedules run (an active one), if any.
    active_version: int | None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    key: str
    name: str
    mapping_key: str
    kind: str
    active: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    failures_alert: int | None


@dataclass(frozen=True, slots=True)
class LatestRun:
    """The latest run of a mapping or pipeline key (by start)."""

    mapping_key: str
    run_key: str
    status: RunStatus
    started_at: datetime


class IntegrationRepository:
    """Aggregate reads for the hub; each method is one statement."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _postgres(self) -> bool:
        return self._store.engine.dialect.name == "postgresql"

    def _latest(self, versions: Any, owner_id: Any, owner: Any) -> Any:
        """The latest versions' documents (parsed once per row on PostgreSQL: OFFSET 0 keeps
        the planner from copying the cast into every extraction)."""
        doc = cast(versions.document, JSONB) if self._postgres else versions.document
        query = select(owner_id.label("owner_id"), doc.label("doc")).join(
            owner, and_(owner.id == owner_id, versions.version == owner.latest_version)
        )
        return (query.offset(0) if self._postgres else query).subquery()

    def _codes(self, doc: Any) -> list[Any]:
        if self._postgres:
            return [func.jsonb_extract_path_text(doc, *p).label(n) for n, p in _PATHS.items()]
        return [func.json_extract(doc, "$." + ".".join(p)).label(n) for n, p in _PATHS.items()]

    def mappings(self) -> list[DocumentRow]:
        """Every stored mapping, its latest version's codes, connectors and state."""
        active = aliased(VersionLifecycleRow)
        active_version = (
            select(func.max(active.version))
            .where(active.mapping_id == Mapping.id, active.state == LifecycleState.ACTIVE)
            .scalar_subquery()
        )
        latest = self._latest(MappingVersion, MappingVersion.mapping_id, Mapping)
        query = (
            select(
                Mapping.key,
                Mapping.name,
                Mapping.latest_version,
                Mapping.updated_at,
                VersionLifecycleRow.state,
                active_version.label("active_version"),
                *self._codes(latest.c.doc),
            )
            .join(latest, latest.c.owner_id == Mapping.id)
            .outerjoin(
                VersionLifecycleRow,
                and_(
                    VersionLifecycleRow.mapping_id == Mapping.id,
                    VersionLifecycleRow.version == Mapping.latest_version,
                ),
            )
            .order_by(Mapping.key)
        )
        with self._store.session() as session:
            rows = session.execute(query).all()
        return [
            _document(
                "mapping",
                row,
                LifecycleState(row.state) if row.state else LifecycleState.DRAFT,
                row.active_version,
            )
            for row in rows
        ]

    def pipelines(self) -> list[DocumentRow]:
        """Every stored pipeline, its latest version's codes and connectors."""
        latest = self._latest(PipelineVersion, PipelineVersion.pipeline_id, Pipeline)
        query = (
            select(
                Pipeline.key,
                Pipeline.name,
                Pipeline.latest_version,
                Pipeline.updated_at,
                *self._codes(latest.c.doc),
            )
            .join(latest, latest.c.owner_id == Pipeline.id)
            .order_by(Pipeline.key)
        )
        with self._store.session() as session:
            rows = session.execute(query).all()
        return [_document("pipeline", row, None, None) for row in rows]

    def schedules(self) -> list[ScheduleRow]:
        query = (
            select(Schedule, Mapping.key)
            .join(Mapping, Mapping.id == Schedule.mapping_id)
            .order_by(Schedule.key)
        )
        with self._store.session() as session:
            return [
                ScheduleRow(
                    key=schedule.key,
                    name=schedule.name,
                    mapping_key=mapping_key,
                    kind=str(schedule.kind),
                    active=schedule.active,
                    next_run_at=_utc(schedule.next_run_at) if schedule.next_run_at else None,
                    last_run_at=_utc(schedule.last_run_at) if schedule.last_run_at else None,
                    failures_alert=schedule.sla_failures_alert,
                )
                for schedule, mapping_key in session.execute(query)
            ]

    def latest_runs(self) -> dict[str, LatestRun]:
        """Per mapping or pipeline key, its latest run (ties on start: the highest id)."""
        newest = (
            select(func.max(Run.id).label("id"))
            .join(
                latest := (
                    select(Run.mapping_key, func.max(Run.started_at).label("started_at"))
                    .group_by(Run.mapping_key)
                    .subquery()
                ),
                and_(
                    latest.c.mapping_key == Run.mapping_key,
                    latest.c.started_at == Run.started_at,
                ),
            )
            .group_by(Run.mapping_key)
            .subquery()
        )
        query = select(Run.mapping_key, Run.key, Run.status, Run.started_at).join(
            newest, newest.c.id == Run.id
        )
        with self._store.session() as session:
            return {
                key: LatestRun(key, run_key, RunStatus(status), _utc(started))
                for key, run_key, status, started in session.execute(query)
            }


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _document(
    kind: str, row: Any, state: LifecycleState | None, active_version: int | None
) -> DocumentRow:
    codes: dict[str, str] = {name: _text(getattr(row, name)) for name in _PATHS}
    return DocumentRow(
        kind=kind,
        key=row.key,
        name=row.name,
        latest_version=row.latest_version,
        updated_at=_utc(row.updated_at),
        state=state,
        active_version=active_version,
        **codes,
    )
