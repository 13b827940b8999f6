"""`fieldwright run FILE` starts without the store's libraries (issue 18): a file run's
start-up is paid on every run, and SQLAlchemy, Alembic and keyring alone took over a
second of it. `fieldwright run KEY` of a stored mapping needs the store, but neither
Alembic (the store is up to date) nor the pipeline modules."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import fieldwright
from fieldwright.service import import_mapping

HEAVY = ("sqlalchemy", "alembic", "keyring", "fieldwright.store.store", "fieldwright.cli.db")

PROBE = """
import sys
from fieldwright.cli.main import main
sys.argv = ["fieldwright", "run", *sys.argv[1:]]
try:
    main()
finally:
    heavy = [name for name in {heavy!r} if name in sys.modules]
    print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


#: What a mapping's file run leaves unimported beside the store (issue 18, item 1): the
#: pipeline models and engine, loaded only for a pipeline document.
PIPELINE = (
    "fieldwright.domain.pipeline",
    "fieldwright.engine.pipeline",
    "fieldwright.service.pipelines",
)


#: What `fieldwright run KEY` of a stored mapping leaves unimported (issue 18, start-up of
#: SQL targets): Alembic when the store is up to date, the pipeline engine, its enrich
#: sources and suites, the CLI's pipeline printing, APScheduler (the Service plans fire
#: times, it does not schedule here), and the keyring and certificate libraries (a file
#: connector without a credential).
STORED = (
    "alembic",
    "mako",
    "apscheduler",
    "keyring",
    "cryptography",
    "fieldwright.engine.pipeline",
    "fieldwright.service.pipelines",
    "fieldwright.service.pipeline_runs",
    "fieldwright.service.enrich_sources",
    "fieldwright.cli.pipelines",
    # The Service's other stores, imported on first use (service/facade.py, service/runs.py),
    # and the models only they need.
    "fieldwright.service.templates",
    "fieldwright.service.approvals",
    "fieldwright.service.stored_pipelines",
    "fieldwright.service.transformations",
    "fieldwright.service.integrations",
    "fieldwright.service.monitoring",
    "fieldwright.service.health",
    "fieldwright.service.scheduling",
    "fieldwright.domain.pipeline",
    "fieldwright.domain.pipeline_store",
    "fieldwright.domain.template",
    "fieldwright.domain.transformation",
    # A small input runs on rows; no SQL target: neither Polars nor psycopg.
    "polars",
    "psycopg",
    # A mapping without an expression: jsonata-python's parser (engine/expressions/_parse.py).
    "jsonata",
)

#: What `fieldwright run KEY` into a SQLite table leaves unimported: psycopg (COPY is for
#: PostgreSQL only), Polars (a small input runs on rows), and the keyring (the SQL connector
#: names its Credentials for type checking only: a URL without a credential reads none).
SQLITE_TARGET = (
    "psycopg",
    "polars",
    "alembic",
    "fieldwright.service.templates",
    "keyring",
    "fieldwright.connectors.credentials",
    "jsonata",
)


def _probe(
    arguments: list[str], heavy: tuple[str, ...], extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    src = str(Path(fieldwright.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=heavy), *arguments],
        capture_output=True,
        text=True,
        env={**env, **(extra_env or {})},
        timeout=120,
        check=False,
    )


def _run_probe(
    tmp_path: Path, heavy: tuple[str, ...]
) -> tuple[subprocess.CompletedProcess[str], Path]:
    mapping = tmp_path / "m.fwmap.json"
    mapping.write_text(
        json.dumps(
            {
                "fieldwright": 1,
                "key": "mapping_STARTUP",
                "name": "start-up",
                "fields": [{"target": "$.id", "sources": "$.id"}],
            }
        ),
        encoding="utf-8",
    )
    source = tmp_path / "in.ndjson"
    source.write_text('{"id":1}\n', encoding="utf-8")
    output = tmp_path / "out.ndjson"
    done = _probe([str(mapping), "-i", str(source), "-o", str(output), "--no-progress"], heavy)
    return done, output


def test_a_file_run_imports_neither_the_store_nor_its_libraries(tmp_path: Path) -> None:
    done, output = _run_probe(tmp_path, HEAVY)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr


#: What a file run of a mapping of plain paths and no expression leaves unimported (issue 18,
#: start-up): python-jsonpath (engine/paths.py parses plain paths itself), jsonata (the
#: expression parser) and rich (a successful run prints plain lines: cli/_common.py `say`).
ON_USE = ("jsonpath", "jsonata", "rich")


def test_a_mapping_of_plain_paths_runs_without_the_path_and_expression_parsers(
    tmp_path: Path,
) -> None:
    done, output = _run_probe(tmp_path, ON_USE)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr


def test_a_mapping_file_run_leaves_the_pipeline_modules_unimported(tmp_path: Path) -> None:
    done, output = _run_probe(tmp_path, PIPELINE)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr


def test_a_pipeline_file_run_without_saved_connections_imports_no_store(
    tmp_path: Path,
) -> None:
    """A pipeline file that names no saved connection (an unwind and a map into a file)
    runs without SQLAlchemy: the enrich sources load the store only to look one up."""
    pipeline = tmp_path / "p.fwpipe.json"
    pipeline.write_text(
        json.dumps(
            {
                "fieldwright_pipeline": 1,
                "key": "pipeline_STARTUP",
                "name": "start-up",
                "steps": [
                    {"name": "each", "type": "unwind", "path": "$.items", "carry": {"id": "$.id"}},
                    {
                        "name": "line",
                        "type": "map",
                        "mapping": {
                            "fieldwright": 1,
                            "key": "mapping_STARTUP",
                            "name": "line",
                            "fields": [
                                {"target": "$.id", "sources": "$.id"},
                                {"target": "$.sku", "sources": "$.sku"},
                            ],
                        },
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    source = tmp_path / "in.ndjson"
    source.write_text('{"id":1,"items":[{"sku":"a"},{"sku":"b"}]}\n', encoding="utf-8")
    output = tmp_path / "out.ndjson"
    done = _probe([str(pipeline), "-i", str(source), "-o", str(output), "--no-progress"], HEAVY)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1,"sku":"a"}\n{"id":1,"sku":"b"}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr


def test_a_stored_mapping_run_imports_neither_alembic_nor_the_pipeline_engine(
    tmp_path: Path,
) -> None:
    output = tmp_path / "out.ndjson"
    mapping = tmp_path / "stored.fwmap.json"
    mapping.write_text(
        json.dumps(
            {
                "fieldwright": 1,
                "key": "mapping_STORED",
                "name": "stored start-up",
                "source": {"connector": {"kind": "csv", "settings": {}}},
                "target": {"connector": {"kind": "ndjson", "settings": {"path": str(output)}}},
                "fields": [
                    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_integer"}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    import_mapping(mapping, url)  # creates the store at the head revision
    source = tmp_path / "in.csv"
    source.write_text("id\n7\n8\n", encoding="utf-8")
    done = _probe(
        ["mapping_STORED", "--input", str(source), "--no-progress"],
        STORED,
        {"FIELDWRIGHT_DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stderr
    assert "completed: read 2, written 2" in done.stdout, done.stdout
    assert output.read_text(encoding="utf-8") == '{"id":7}\n{"id":8}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr


def test_a_stored_mapping_run_into_a_sqlite_table_imports_neither_psycopg_nor_polars(
    tmp_path: Path,
) -> None:
    target = tmp_path / "target.db"
    with sqlite3.connect(target) as connection:
        connection.execute("CREATE TABLE people (id INTEGER PRIMARY KEY)")
    mapping = tmp_path / "stored.fwmap.json"
    mapping.write_text(
        json.dumps(
            {
                "fieldwright": 1,
                "key": "mapping_STORED_SQL",
                "name": "stored start-up into a table",
                "source": {"connector": {"kind": "csv", "settings": {}}},
                "target": {
                    "connector": {
                        "kind": "sql",
                        "settings": {"url": f"sqlite:///{target}", "table": "people"},
                    }
                },
                "fields": [
                    {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_integer"}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    import_mapping(mapping, url)
    source = tmp_path / "in.csv"
    source.write_text("id\n7\n8\n", encoding="utf-8")
    done = _probe(
        ["mapping_STORED_SQL", "--input", str(source), "--no-progress"],
        SQLITE_TARGET,
        {"FIELDWRIGHT_DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stderr
    assert "completed: read 2, written 2" in done.stdout, done.stdout
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT id FROM people ORDER BY id").fetchall() == [(7,), (8,)]
    assert "HEAVY:\n" in done.stderr, done.stderr
