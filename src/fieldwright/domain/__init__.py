"""The domain: pydantic models of the mapping document and its parts. Depends on pydantic only."""

from fieldwright.domain.canonical import dumps, from_data, load, loads, save, to_data
from fieldwright.domain.document import (
    FORMAT_VERSION,
    SYSTEM_CODE,
    ConnectorRef,
    CredentialRef,
    Endpoint,
    ErrorStrategy,
    FieldMapping,
    MappingDocument,
    Missing,
    OnError,
    RunSettings,
    TestCase,
    TestKind,
    TransformStep,
    ValidationRules,
)
from fieldwright.domain.errors import DocumentError, Problem, pointer
from fieldwright.domain.schema import FieldType, Schema, SchemaField, member_path

__all__ = [
    "FORMAT_VERSION",
    "SYSTEM_CODE",
    "ConnectorRef",
    "CredentialRef",
    "DocumentError",
    "Endpoint",
    "ErrorStrategy",
    "FieldMapping",
    "FieldType",
    "MappingDocument",
    "Missing",
    "OnError",
    "Problem",
    "RunSettings",
    "Schema",
    "SchemaField",
    "TestCase",
    "TestKind",
    "TransformStep",
    "ValidationRules",
    "dumps",
    "from_data",
    "load",
    "loads",
    "member_path",
    "pointer",
    "save",
    "to_data",
]
