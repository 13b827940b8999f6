"""Opening a store: migrations, backups, and refusing databases it must not touch."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from fieldwright.store import (
    CorruptDatabase,
    MappingRepository,
    SchemaOutOfDate,
    SchemaTooNew,
    Store,
    StoreUnavailable,
    current,
    ddl,
    head_revision,
    status,
    upgrade,
)
from fieldwright.store.migrate import (
    HEAD,
    REVISIONS,
    known_revisions,
    run_upgrade,
    schema_state,
    script_directory,
)
from fieldwright.store.models import Base

from .test_mappings import EMPLOYEE_ID, KEY, document

REPO = Path(__file__).resolve().parents[2]


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_an_empty_database_is_migrated_to_head(db_url: str) -> None:
    assert current(db_url) is None
    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision() == known_revisions()[-1]
        tables = set(inspect(store.engine).get_table_names())
    assert {
        "connections",
        "templates",
        "template_instances",
        "mappings",
        "mapping_versions",
        "field_mappings",
        "mapping_tests",
        "mapping_test_results",
        "schedules",
        "schedule_executions",
        "runs",
        "dead_letters",
    } <= tables
    assert status(db_url).state == "up to date"


def test_the_written_out_revisions_are_the_shipped_scripts() -> None:
    """REVISIONS and HEAD (read on every open without Alembic) are Alembic's own view of
    the migration scripts: a new migration must add its revision to REVISIONS."""
    script = script_directory()
    shipped = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert list(REVISIONS) == shipped == known_revisions()
    assert HEAD == script.get_current_head() == head_revision()


def test_the_revision_read_by_sql_is_alembics(db_url: str) -> None:
    """schema_state's one query on alembic_version agrees with Alembic's MigrationContext,
    on an empty database, an older revision and the head."""
    engine = create_engine(db_url)
    try:
        for target in (None, REVISIONS[0], HEAD):
            if target is not None:
                with engine.begin() as connection:
                    run_upgrade(connection, target)
            with engine.connect() as connection:
                alembic_view = MigrationContext.configure(connection).get_current_revision()
                state = schema_state(connection)
            assert state.current == alembic_view == target
            assert state.up_to_date is (target == HEAD)
            assert state.has_our_tables is (target is not None)
    finally:
        engine.dispose()


def test_models_and_migrations_describe_the_same_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    if store.engine.dialect.name == "sqlite":  # GIN indexes are PostgreSQL-only (ddl_if)
        differences = [
            d for d in differences if not (d[0] == "add_index" and d[1].name.endswith("_gin"))
        ]
    assert differences == []


def test_migrating_from_an_older_revision_keeps_and_completes_data(db_url: str) -> None:
    # 0001 is the revision before content hashes (0002), which the upgrade must fill in;
    # every later revision is applied on the way to head as well.
    previous = known_revisions()[0]
    assert previous == "0001" and len(known_revisions()) >= 2
    engine = create_engine(db_url)
    with engine.begin() as connection:
        run_upgrade(connection, previous)
        connection.execute(
            text(
                "INSERT INTO mappings (key, name, description, latest_version, field_count, "
                "created_at, created_by, updated_at, updated_by) VALUES (:key, 'old', '', 1, 0, "
                "'2025-07-24 14:56:23', 'carol', '2025-07-24 14:56:23', 'carol')"
            ),
            {"key": KEY},
        )
        doc = json.dumps({"fieldwright": 1, "key": KEY, "name": "old"}, indent=2) + "\n"
        connection.execute(
            text(
                "INSERT INTO mapping_versions (mapping_id, version, name, document, comment, "
                "field_count, created_at, created_by) VALUES ((SELECT id FROM mappings), 1, 'old', "
                ":doc, '', 0, "
                "'2025-07-24 14:56:23', 'carol')"
            ),
            {"doc": doc},
        )
    engine.dispose()
    assert current(db_url) == previous
    assert status(db_url).state == "needs upgrade"
    with pytest.raises(SchemaOutOfDate, match="fieldwright db upgrade"):
        Store.open(db_url, upgrade=False)

    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision()
        repo = MappingRepository(store)
        info = repo.history(KEY)[0]
        assert info.content_sha256 == hashlib.sha256(doc.encode()).hexdigest()
        assert info.saved_by == "carol" and info.saved_at.year == 2025
        assert repo.load_mapping(KEY).name == "old"
        assert repo.save_mapping(document(EMPLOYEE_ID), base_version=1).version == 2


def test_opening_without_upgrade_never_creates_a_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaOutOfDate, match="does not exist yet"):
        Store.open(f"sqlite:///{tmp_path / 'new.db'}", upgrade=False)
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_file_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "fieldwright.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as connection:
        run_upgrade(connection, "0001")
    engine.dispose()
    assert upgrade(url) == head_revision()
    backups = sorted(tmp_path.glob("fieldwright.db.bak-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    # Already at head: no further backup.
    upgrade(url)
    assert len(list(tmp_path.glob("fieldwright.db.bak-*"))) == 1


def test_a_newer_schema_is_refused_and_left_untouched(db_url: str, backend: str) -> None:
    with Store.open(db_url) as store:
        MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
        with store.session(write=True) as session:
            session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    before = (
        _snapshot(Path(db_url.removeprefix("sqlite:///")).parent) if backend == "sqlite" else None
    )
    with pytest.raises(SchemaTooNew, match=r"9999_future.*newer version.*not changed"):
        Store.open(db_url)
    with pytest.raises(SchemaTooNew):
        upgrade(db_url)
    assert status(db_url).state == "newer than this program"
    if before is not None:
        assert _snapshot(Path(db_url.removeprefix("sqlite:///")).parent) == before
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == "9999_future"
        )
        assert connection.execute(text("SELECT count(*) FROM mapping_versions")).scalar() == 1
    engine.dispose()


def test_a_corrupt_sqlite_file_is_reported_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "fieldwright.db"
    path.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    before = _snapshot(tmp_path)
    with pytest.raises(CorruptDatabase, match=f"{path}.*not a SQLite database"):
        Store.open(f"sqlite:///{path}")
    with pytest.raises(CorruptDatabase):
        status(f"sqlite:///{path}")
    assert _snapshot(tmp_path) == before


def test_a_damaged_sqlite_database_is_reported_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "fieldwright.db"
    with Store.open(f"sqlite:///{path}") as store:
        MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
    raw = bytearray(path.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # keep the header, wreck the schema page
    path.write_bytes(bytes(raw))
    before = _snapshot(tmp_path)
    with pytest.raises(CorruptDatabase, match=str(path)):
        Store.open(f"sqlite:///{path}")
    assert _snapshot(tmp_path) == before


def test_unreachable_postgresql_names_the_server() -> None:
    with pytest.raises(
        StoreUnavailable, match=r"cannot reach PostgreSQL database 'fw' on 127\.0\.0\.1:1"
    ):
        Store.open("postgresql+psycopg://someone:s3cret@127.0.0.1:1/fw")
    try:
        Store.open("postgresql://someone:s3cret@127.0.0.1:1/fw")
    except StoreUnavailable as exc:
        assert "s3cret" not in str(exc)


def test_the_checked_in_ddl_is_up_to_date() -> None:
    for dialect in ddl.DIALECTS:
        path = REPO / "sql" / f"{dialect}.sql"
        assert path.read_text(encoding="utf-8") == ddl.render(dialect), (
            f"{path} is out of date: run python -m fieldwright.store.ddl"
        )
    assert ddl.main(["--check", "--dir", str(REPO / "sql")]) == 0


def test_postgresql_json_columns_are_jsonb(store: Store, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("JSONB exists on PostgreSQL only")
    with store.engine.connect() as connection:
        types = dict(
            connection.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'field_mappings'"
                )
            ).all()
        )
        indexes = (
            connection.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND indexdef LIKE '%USING gin%'"
                )
            )
            .scalars()
            .all()
        )
    assert types["sources"] == "jsonb" and types["transforms"] == "jsonb"
    assert types["target_path"] == "text"
    assert set(indexes) == {"ix_field_mappings_sources_gin", "ix_field_mappings_transforms_gin"}


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'f.db'}") as store, store.connection() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
