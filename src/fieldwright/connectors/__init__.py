"""Sources and sinks of records (files, SQL, HTTP), credentials via keyring, schema inference.

Every source streams `SourceItem`s (a record, or an unreadable record with
its position and reason); every file sink writes atomically (temporary file,
fsync, rename) with a `<name>.meta.json` manifest beside the result.
"""

from fieldwright.connectors.atomic import AtomicFile, FileSink, Manifest, manifest_path
from fieldwright.connectors.credentials import (
    CredentialError,
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
    SchemaConversionError,
    SinkError,
    SourceUnreadable,
    UnsupportedFormat,
)
from fieldwright.connectors.excel import XlsxSink, XlsxSource
from fieldwright.connectors.files import FORMATS, format_of, open_sink, open_source
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
    open_connector_sink,
    open_connector_source,
)
from fieldwright.connectors.sql import SqlSink, SqlSource, reflect_schema

__all__ = [
    "CONNECTOR_KINDS",
    "DRAFT_2020_12",
    "FORMATS",
    "ApiAuth",
    "AtomicFile",
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
    "reflect_schema",
    "register_secret",
    "schema_from_json_schema",
    "schema_to_json_schema",
    "set_secret",
]
