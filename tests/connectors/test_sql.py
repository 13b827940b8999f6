"""SQL sources and sinks on SQLite and PostgreSQL: streaming, insert, upsert, staging, names."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    func,
    select,
)

from fieldwright.connectors import (
    ConnectorError,
    SinkError,
    SourceUnreadable,
    SqlSink,
    SqlSource,
    reflect_schema,
)
from fieldwright.domain.schema import FieldType

ROWS = 2_500


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    engine = create_engine(sql_url)
    yield engine
    engine.dispose()


def _order_table(metadata: MetaData) -> Table:
    return Table(
        "order",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("first name", String(40), nullable=False, comment="given name"),
        Column("amount", Numeric(10, 2)),
        Column("born", Date),
        Column("seen", DateTime),
        Column("photo", LargeBinary),
        Column("active", Boolean),
    )


@pytest.fixture
def orders(engine: Engine) -> Table:
    """An empty table named `order` (a reserved word) with a column `first name`."""
    metadata = MetaData()
    table = _order_table(metadata)
    metadata.create_all(engine)
    return table


def _fill(engine: Engine, table: Table, count: int = ROWS) -> None:
    with engine.begin() as connection:
        connection.execute(
            table.insert(),
            [
                {
                    "id": n,
                    "first name": f"name {n}",
                    "amount": Decimal(n) / 4,
                    "born": dt.date(2000, 1, 1) + dt.timedelta(days=n),
                    "seen": dt.datetime(2024, 5, 1, 9, 30) + dt.timedelta(minutes=n),
                    "photo": bytes([n % 256, 0, 255]),
                    "active": n % 2 == 0,
                }
                for n in range(1, count + 1)
            ],
        )


def _rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        result = connection.execute(select(table).order_by(table.c.id))
        return [dict(row._mapping) for row in result]


def _record(n: int, name: str | None = None) -> dict[str, Any]:
    return {"id": n, "first name": name or f"person {n}", "amount": n * 1.5, "born": "1990-02-03"}


# -- the source ------------------------------------------------------------------------------


def test_source_streams_a_table_with_json_values(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    _fill(engine, orders)
    source = SqlSource(sql_url, table="order", batch_size=1000)
    try:
        items = list(source)
    finally:
        source.close()
    assert len(items) == ROWS
    assert [item.position.row for item in items[:3]] == [1, 2, 3]
    assert str(items[-1].position) == f"row {ROWS}"
    first = items[0].record
    assert first == {
        "id": 1,
        "first name": "name 1",
        "amount": 0.25,
        "born": "2000-01-02",
        "seen": "2024-05-01T09:31:00",
        "photo": base64.b64encode(bytes([1, 0, 255])).decode(),
        "active": False,
    }
    assert items[3].record is not None and items[3].record["amount"] == 1  # Decimal 1.00 → int
    assert "table 'order'" in source.name


def test_source_streams_a_query_with_bound_parameters(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    _fill(engine, orders)
    source = SqlSource(
        sql_url,
        query='SELECT id, "first name" FROM "order" WHERE id > :min ORDER BY id',
        params={"min": ROWS - 3},
    )
    records = [item.record for item in source]
    source.close()
    assert records == [
        {"id": ROWS - 2, "first name": f"name {ROWS - 2}"},
        {"id": ROWS - 1, "first name": f"name {ROWS - 1}"},
        {"id": ROWS, "first name": f"name {ROWS}"},
    ]


def test_source_refuses_a_missing_table_and_lists_the_tables(orders: Table, sql_url: str) -> None:
    with pytest.raises(SourceUnreadable) as caught:
        SqlSource(sql_url, table="orders")
    message = str(caught.value)
    assert "table 'orders'" in message
    assert "there is no such table; tables there: order" in message


def test_source_needs_a_table_or_a_query(sql_url: str) -> None:
    with pytest.raises(SourceUnreadable, match="needs a table or a query to read from"):
        SqlSource(sql_url)
    with pytest.raises(SourceUnreadable, match="either a table or a query, not both"):
        SqlSource(sql_url, table="t", query="SELECT 1")


def test_a_failing_query_names_the_database(sql_url: str) -> None:
    source = SqlSource(sql_url, query="SELECT * FROM no_such_table")
    with pytest.raises(SourceUnreadable, match=r"running the query failed: .*no_such_table"):
        list(source)
    source.close()


def test_unreachable_database_is_named_with_the_password_masked(secret: str) -> None:
    url = f"postgresql+psycopg://fieldwright:{secret}@127.0.0.1:1/nowhere?connect_timeout=2"
    with pytest.raises(SourceUnreadable) as caught:
        SqlSource(url, table="order")
    message = str(caught.value)
    assert "postgresql+psycopg://fieldwright:***@127.0.0.1:1/nowhere" in message
    assert "connecting failed" in message
    assert "check the URL, that the server is running" in message
    assert secret not in message


def test_missing_sqlite_file_is_not_created(tmp_path: Any) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(SourceUnreadable, match="SQLite database file does not exist"):
        SqlSource(f"sqlite:///{path}", table="t")
    assert not path.exists()


def test_reflect_schema_types_and_required(orders: Table, sql_url: str) -> None:
    fields = {field.name: field for field in reflect_schema(sql_url, "order")}
    assert list(fields) == ["id", "first name", "amount", "born", "seen", "photo", "active"]
    assert fields["id"].type is FieldType.INTEGER
    assert fields["first name"].type is FieldType.STRING
    assert fields["first name"].required
    assert fields["amount"].type is FieldType.NUMBER
    assert not fields["amount"].required
    assert fields["born"].type is FieldType.DATE
    assert fields["seen"].type is FieldType.DATETIME
    assert fields["active"].type is FieldType.BOOLEAN
    if sql_url.startswith("postgresql"):  # SQLite keeps no column comments
        assert fields["first name"].description == "given name"


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ['order"; DROP TABLE "order"; --', "order; DELETE FROM order", "x'y", "a.b", " order"],
)
def test_injection_in_a_table_name_is_refused(
    engine: Engine, orders: Table, sql_url: str, name: str
) -> None:
    _fill(engine, orders, 3)
    with pytest.raises(SinkError, match=r"table name .* is not allowed"):
        SqlSink(sql_url, name)
    with pytest.raises(SourceUnreadable, match=r"table name .* is not allowed"):
        SqlSource(sql_url, table=name)
    with pytest.raises(SinkError, match=r"staging table name .* is not allowed"):
        SqlSink(sql_url, "order", staging_table=name)
    assert len(_rows(engine, orders)) == 3


def test_unknown_column_names_the_row_and_the_columns(orders: Table, sql_url: str) -> None:
    sink = SqlSink(sql_url, "order")
    sink.write_batch([_record(1)])
    with pytest.raises(SinkError) as caught:
        sink.write_batch([_record(2), {**_record(3), "last name": "x"}])
    sink.abort()
    message = str(caught.value)
    assert "batch 2, row 3 has column 'last name'" in message
    assert "its columns are: id, first name, amount" in message


def test_a_bad_date_names_batch_row_and_column(orders: Table, sql_url: str) -> None:
    sink = SqlSink(sql_url, "order")
    with pytest.raises(SinkError, match=r"batch 1, row 2, column 'born': '31/12/1990' is not"):
        sink.write_batch([_record(1), {**_record(2), "born": "31/12/1990"}])
    sink.abort()


# -- the sink: insert, upsert ----------------------------------------------------------------


def test_insert_writes_every_batch(engine: Engine, orders: Table, sql_url: str) -> None:
    sink = SqlSink(sql_url, "order", batch_size=2)
    sink.write_batch([_record(1), _record(2)])
    sink.write_batch([_record(3), {"id": 4, "first name": "only a name"}])
    sink.commit()
    rows = _rows(engine, orders)
    assert [row["id"] for row in rows] == [1, 2, 3, 4]
    assert rows[0]["born"] == dt.date(1990, 2, 3)
    assert rows[0]["amount"] == Decimal("1.50")
    assert rows[3]["amount"] is None
    assert sink.committed_rows == 4


def test_upsert_updates_and_inserts_on_the_key(engine: Engine, orders: Table, sql_url: str) -> None:
    _fill(engine, orders, 3)
    sink = SqlSink(sql_url, "order", mode="upsert", key=["id"])
    sink.write_batch([_record(2, "updated"), _record(4, "new")])
    sink.write_batch([_record(4, "newer")])
    sink.commit()
    names = {row["id"]: row["first name"] for row in _rows(engine, orders)}
    assert names == {1: "name 1", 2: "updated", 3: "name 3", 4: "newer"}


def test_upsert_needs_a_unique_key(orders: Table, sql_url: str) -> None:
    with pytest.raises(SinkError, match=r"the upsert key \(first name\) is not the primary key"):
        SqlSink(sql_url, "order", mode="upsert", key=["first name"])
    with pytest.raises(SinkError, match="the upsert key names 'nope'"):
        SqlSink(sql_url, "order", mode="upsert", key=["nope"])
    with pytest.raises(SinkError, match="needs the key columns"):
        SqlSink(sql_url, "order", mode="upsert")


def test_a_failing_batch_commits_nothing_beyond_the_last_batch(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    sink = SqlSink(sql_url, "order")
    sink.write_batch([_record(1), _record(2)])
    sink.write_batch([_record(3), _record(4)])
    with pytest.raises(SinkError) as caught:
        sink.write_batch([_record(5), _record(6), _record(1)])  # id 1 again: a key violation
    sink.abort()
    message = str(caught.value)
    assert "table 'order'" in message
    assert "batch 3, row 7:" in message
    assert "nothing of batch 3 was written (rows 5–7)" in message
    assert [row["id"] for row in _rows(engine, orders)] == [1, 2, 3, 4]
    assert sink.committed_rows == 4


def test_a_sink_cannot_be_used_after_commit(orders: Table, sql_url: str) -> None:
    sink = SqlSink(sql_url, "order")
    sink.commit()
    with pytest.raises(ConnectorError, match="already committed"):
        sink.write_batch([_record(1)])
    sink.abort()  # harmless


# -- staging ---------------------------------------------------------------------------------


def _staging(engine: Engine) -> Table:
    return Table("order__fw_staging", MetaData(), autoload_with=engine)


def _statuses(engine: Engine) -> dict[str, int]:
    staging = _staging(engine)
    with engine.connect() as connection:
        result = connection.execute(
            select(staging.c._fw_status, func.count()).group_by(staging.c._fw_status)
        )
        return {str(status): int(count) for status, count in result}


def test_staging_abort_leaves_the_target_untouched(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    _fill(engine, orders, 2)
    sink = SqlSink(sql_url, "order", staging=True, run_id="run_aborted")
    sink.write_batch([_record(10), _record(11)])
    sink.write_batch([_record(12)])
    assert [row["id"] for row in _rows(engine, orders)] == [1, 2]
    sink.abort()
    assert [row["id"] for row in _rows(engine, orders)] == [1, 2]
    assert _statuses(engine) == {"failed": 3}
    assert sink.committed_rows == 0


def test_staging_commit_moves_the_rows_in_one_go(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    earlier = SqlSink(sql_url, "order", staging=True, run_id="run_earlier")
    earlier.write_batch([_record(99)])
    earlier.abort()
    sink = SqlSink(sql_url, "order", staging=True, run_id="run_ok")
    sink.write_batch([_record(1), _record(2)])
    sink.write_batch([_record(3)])
    assert _rows(engine, orders) == []
    sink.commit()
    rows = _rows(engine, orders)
    assert [row["id"] for row in rows] == [1, 2, 3]
    assert rows[0]["born"] == dt.date(1990, 2, 3)
    assert _statuses(engine) == {"completed": 3, "failed": 1}
    assert sink.committed_rows == 3
    staging = _staging(engine)
    with engine.connect() as connection:
        batch_ids = set(connection.scalars(select(staging.c._fw_batch_id)))
    assert batch_ids == {"run_ok", "run_earlier"}


def test_staging_upsert_keeps_the_last_row_of_a_key(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    _fill(engine, orders, 2)
    sink = SqlSink(sql_url, "order", mode="upsert", key=["id"], staging=True)
    sink.write_batch([_record(2, "first"), _record(3, "three")])
    sink.write_batch([_record(2, "second")])
    sink.commit()
    names = {row["id"]: row["first name"] for row in _rows(engine, orders)}
    assert names == {1: "name 1", 2: "second", 3: "three"}


def test_staging_commit_that_fails_changes_nothing(
    engine: Engine, orders: Table, sql_url: str
) -> None:
    _fill(engine, orders, 1)
    sink = SqlSink(sql_url, "order", staging=True, staging_table="order_stage")
    sink.write_batch([_record(5), _record(1)])  # id 1 exists in the target
    with pytest.raises(SinkError) as caught:
        sink.commit()
    sink.abort()
    message = str(caught.value)
    assert "moving 2 staged rows" in message
    assert "the target is unchanged and the rows stay in 'order_stage'" in message
    assert [row["id"] for row in _rows(engine, orders)] == [1]
    stage = Table("order_stage", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        assert set(connection.scalars(select(stage.c._fw_status))) == {"failed"}


def test_a_stale_staging_table_is_reported(engine: Engine, orders: Table, sql_url: str) -> None:
    metadata = MetaData()
    Table("order__fw_staging", metadata, Column("id", Integer))
    metadata.create_all(engine)
    with pytest.raises(SinkError, match="staging table exists without the columns"):
        SqlSink(sql_url, "order", staging=True)
