"""The errors of the connectors: one base class, each message naming the file and what to do.

Errors about a single record (a ragged CSV row, a malformed NDJSON line) are
never raised: they travel as unreadable `SourceItem`s so the run goes on.
These exceptions are for what stops a source or sink as a whole.
"""

from __future__ import annotations

__all__ = [
    "ConnectorError",
    "CredentialError",
    "SchemaConversionError",
    "SinkError",
    "SourceUnreadable",
    "UnsupportedFormat",
]


class ConnectorError(Exception):
    """A source or sink cannot do its work; the message names the file and what to do."""

    def __init__(self, message: str, *, target: str | None = None) -> None:
        self.target = target
        super().__init__(f"{target}: {message}" if target else message)


class CredentialError(ConnectorError):
    """A secret cannot be read or stored: no usable keyring, or no secret under that name.

    Defined here, not in credentials.py, so that code catching it does not import keyring."""


class SourceUnreadable(ConnectorError):
    """A source cannot be opened: missing, not a file, no permission, wrong format or encoding."""


class SinkError(ConnectorError):
    """A sink cannot write its target: missing directory, no permission, unwritable value."""


class UnsupportedFormat(ConnectorError):
    """No connector reads or writes this kind of file."""


class SchemaConversionError(ConnectorError):
    """A JSON Schema document that cannot be turned into schema fields."""
