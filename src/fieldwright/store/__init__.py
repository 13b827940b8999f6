"""The store: mappings with immutable versions, templates, schedules, runs, dead letters.

SQLite in the user data directory by default, PostgreSQL by URL
(FIELDWRIGHT_DATABASE_URL). Open it with ``Store.open(url)``; each repository
takes the open store::

    with Store.open() as store:
        mappings = MappingRepository(store)
        info = mappings.save_mapping(document, base_version=3)
"""

from fieldwright.store.admin import DatabaseStatus, current, status, upgrade
from fieldwright.store.connections import ConnectionRepository
from fieldwright.store.diff import diff_documents
from fieldwright.store.errors import (
    Conflict,
    CorruptDatabase,
    InvalidRecord,
    NotFound,
    SchemaOutOfDate,
    SchemaTooNew,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from fieldwright.store.lifecycle import LifecycleRepository
from fieldwright.store.mapping_tests import MappingTestRepository
from fieldwright.store.mappings import MappingRepository
from fieldwright.store.migrate import head_revision
from fieldwright.store.monitoring import MonitoringRepository, ScheduleSla
from fieldwright.store.pipelines import PipelineRepository
from fieldwright.store.runs import RunRepository
from fieldwright.store.schedules import ScheduleRepository
from fieldwright.store.settings import ENV_VAR, DatabaseLocation, default_url, describe
from fieldwright.store.store import Store
from fieldwright.store.store_settings import StoreSettings
from fieldwright.store.templates import TemplateRepository

__all__ = [
    "ENV_VAR",
    "Conflict",
    "ConnectionRepository",
    "CorruptDatabase",
    "DatabaseLocation",
    "DatabaseStatus",
    "InvalidRecord",
    "LifecycleRepository",
    "MappingRepository",
    "MappingTestRepository",
    "MonitoringRepository",
    "NotFound",
    "PipelineRepository",
    "RunRepository",
    "ScheduleRepository",
    "ScheduleSla",
    "SchemaOutOfDate",
    "SchemaTooNew",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreSettings",
    "StoreUnavailable",
    "TemplateRepository",
    "VersionConflict",
    "current",
    "default_url",
    "describe",
    "diff_documents",
    "head_revision",
    "status",
    "upgrade",
]
