"""Sources and sinks of records (files, SQL, HTTP), credentials via keyring, schema inference.

Every source streams `SourceItem`s (a record, or an unreadable record with
its position and reason); every file sink writes atomically (temporary file,
fsync, rename) with a `<name>.meta.json` manifest beside the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldwright._lazy import lazy_exports

if TYPE_CHECKING:
    from fieldwright.connectors.atomic import AtomicFile, FileSink, Manifest, manifest_path
    from fieldwright.connectors.certificates import (
        CertificateError,
        CertificateFacts,
        read_certificate,
    )
    from fieldwright.connectors.commit import recover_file_target
    from fieldwright.connectors.credentials import (
        Credentials,
        KeyringStatus,
        SecretMasker,
        delete_secret,
        get_secret,
        install_secret_masker,
        keyring_status,
        mask,
        register_secret,
        set_secret,
    )
    from fieldwright.connectors.csv_files import CsvSink, CsvSource
    from fieldwright.connectors.errors import (
        ConnectorError,
        CredentialError,
        SchemaConversionError,
        SinkError,
        SourceUnreadable,
        UnsupportedFormat,
    )
    from fieldwright.connectors.excel import XlsxSink, XlsxSource
    from fieldwright.connectors.files import (
        FORMATS,
        format_of,
        open_sink,
        open_source,
        setting_names,
    )
    from fieldwright.connectors.hints import SOURCE_FLAGS, where_to_set
    from fieldwright.connectors.http import (
        ApiAuth,
        CursorPagination,
        HttpSink,
        HttpSource,
        LinkPagination,
        OffsetPagination,
        PageNumberPagination,
        Pagination,
        RetryPolicy,
    )
    from fieldwright.connectors.inference import InferredSchema, infer_schema, infer_schema_details
    from fieldwright.connectors.json_files import (
        JsonArraySink,
        JsonArraySource,
        NdjsonSink,
        NdjsonSource,
    )
    from fieldwright.connectors.json_schema import (
        DRAFT_2020_12,
        schema_from_json_schema,
        schema_to_json_schema,
    )
    from fieldwright.connectors.registry import (
        CONNECTOR_KINDS,
        fail_staged_run,
        open_connector_sink,
        open_connector_source,
        staging_backlog,
    )
    from fieldwright.connectors.sql import SqlSink, SqlSource, reflect_schema

#: Where each public name lives; imported on first use (PEP 562), so reading a
#: file does not load SQLAlchemy, httpx or openpyxl.
_LOCATIONS = {
    "ApiAuth": "fieldwright.connectors.http",
    "AtomicFile": "fieldwright.connectors.atomic",
    "CONNECTOR_KINDS": "fieldwright.connectors.registry",
    "CertificateError": "fieldwright.connectors.certificates",
    "CertificateFacts": "fieldwright.connectors.certificates",
    "read_certificate": "fieldwright.connectors.certificates",
    "ConnectorError": "fieldwright.connectors.errors",
    "CredentialError": "fieldwright.connectors.errors",
    "Credentials": "fieldwright.connectors.credentials",
    "CsvSink": "fieldwright.connectors.csv_files",
    "CsvSource": "fieldwright.connectors.csv_files",
    "CursorPagination": "fieldwright.connectors.http",
    "DRAFT_2020_12": "fieldwright.connectors.json_schema",
    "FORMATS": "fieldwright.connectors.files",
    "FileSink": "fieldwright.connectors.atomic",
    "HttpSink": "fieldwright.connectors.http",
    "HttpSource": "fieldwright.connectors.http",
    "InferredSchema": "fieldwright.connectors.inference",
    "JsonArraySink": "fieldwright.connectors.json_files",
    "JsonArraySource": "fieldwright.connectors.json_files",
    "KeyringStatus": "fieldwright.connectors.credentials",
    "LinkPagination": "fieldwright.connectors.http",
    "Manifest": "fieldwright.connectors.atomic",
    "NdjsonSink": "fieldwright.connectors.json_files",
    "NdjsonSource": "fieldwright.connectors.json_files",
    "OffsetPagination": "fieldwright.connectors.http",
    "PageNumberPagination": "fieldwright.connectors.http",
    "Pagination": "fieldwright.connectors.http",
    "RetryPolicy": "fieldwright.connectors.http",
    "SchemaConversionError": "fieldwright.connectors.errors",
    "SecretMasker": "fieldwright.connectors.credentials",
    "SinkError": "fieldwright.connectors.errors",
    "SourceUnreadable": "fieldwright.connectors.errors",
    "SqlSink": "fieldwright.connectors.sql",
    "SqlSource": "fieldwright.connectors.sql",
    "UnsupportedFormat": "fieldwright.connectors.errors",
    "XlsxSink": "fieldwright.connectors.excel",
    "XlsxSource": "fieldwright.connectors.excel",
    "delete_secret": "fieldwright.connectors.credentials",
    "format_of": "fieldwright.connectors.files",
    "setting_names": "fieldwright.connectors.files",
    "SOURCE_FLAGS": "fieldwright.connectors.hints",
    "where_to_set": "fieldwright.connectors.hints",
    "get_secret": "fieldwright.connectors.credentials",
    "infer_schema": "fieldwright.connectors.inference",
    "infer_schema_details": "fieldwright.connectors.inference",
    "install_secret_masker": "fieldwright.connectors.credentials",
    "keyring_status": "fieldwright.connectors.credentials",
    "manifest_path": "fieldwright.connectors.atomic",
    "recover_file_target": "fieldwright.connectors.commit",
    "mask": "fieldwright.connectors.credentials",
    "fail_staged_run": "fieldwright.connectors.registry",
    "open_connector_sink": "fieldwright.connectors.registry",
    "open_connector_source": "fieldwright.connectors.registry",
    "staging_backlog": "fieldwright.connectors.registry",
    "open_sink": "fieldwright.connectors.files",
    "open_source": "fieldwright.connectors.files",
    "reflect_schema": "fieldwright.connectors.sql",
    "register_secret": "fieldwright.connectors.credentials",
    "schema_from_json_schema": "fieldwright.connectors.json_schema",
    "schema_to_json_schema": "fieldwright.connectors.json_schema",
    "set_secret": "fieldwright.connectors.credentials",
}

__all__ = [
    "CONNECTOR_KINDS",
    "DRAFT_2020_12",
    "FORMATS",
    "SOURCE_FLAGS",
    "ApiAuth",
    "AtomicFile",
    "CertificateError",
    "CertificateFacts",
    "ConnectorError",
    "CredentialError",
    "Credentials",
    "CsvSink",
    "CsvSource",
    "CursorPagination",
    "FileSink",
    "HttpSink",
    "HttpSource",
    "InferredSchema",
    "JsonArraySink",
    "JsonArraySource",
    "KeyringStatus",
    "LinkPagination",
    "Manifest",
    "NdjsonSink",
    "NdjsonSource",
    "OffsetPagination",
    "PageNumberPagination",
    "Pagination",
    "RetryPolicy",
    "SchemaConversionError",
    "SecretMasker",
    "SinkError",
    "SourceUnreadable",
    "SqlSink",
    "SqlSource",
    "UnsupportedFormat",
    "XlsxSink",
    "XlsxSource",
    "delete_secret",
    "fail_staged_run",
    "format_of",
    "get_secret",
    "infer_schema",
    "infer_schema_details",
    "install_secret_masker",
    "keyring_status",
    "manifest_path",
    "mask",
    "open_connector_sink",
    "open_connector_source",
    "open_sink",
    "open_source",
    "read_certificate",
    "recover_file_target",
    "reflect_schema",
    "register_secret",
    "schema_from_json_schema",
    "schema_to_json_schema",
    "set_secret",
    "setting_names",
    "staging_backlog",
    "where_to_set",
]


__getattr__, __dir__ = lazy_exports("fieldwright.connectors", globals(), _LOCATIONS, __all__)
