"""A SQL connector's URL that cannot be parsed is a connector error, not a ValueError."""

from __future__ import annotations

import pytest

from fieldwright.connectors import ConnectorError
from fieldwright.connectors.registry import open_connector_source
from fieldwright.connectors.sql import SqlSource
from fieldwright.domain.document import ConnectorRef


def test_a_sql_connector_url_with_a_non_numeric_port_is_a_connector_error() -> None:
    ref = ConnectorRef(kind="sql", settings={"url": "postgresql://db.example:abc/x", "table": "t"})
    with pytest.raises(ConnectorError, match="not a database URL"):
        open_connector_source(ref)
    with pytest.raises(ConnectorError, match="is not a database URL"):
        SqlSource("postgresql://analyst:pw@db.example:abc/x", table="t")
