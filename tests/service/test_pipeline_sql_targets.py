"""A pipeline run's targets, files and SQL tables, publish together or not at all (issue 19).

The pipeline validates records, then routes kind b to a branch whose target is a SQL
table and kind c to a branch that goes on (through a check after the route); the
rest go to the output file. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from fieldwright.connectors import ConnectorError
from fieldwright.domain import ErrorStrategy
from fieldwright.domain.pipeline import PipelineDocument, RouteStep
from fieldwright.domain.runs import RunStatus
from fieldwright.domain.store_models import ConnectionRecord
from fieldwright.service._pipeline_targets import RunTargets
from fieldwright.service.facade import Service
from fieldwright.service.pipelines import (
    check_pipeline,
    compile_pipeline_document,
    run_pipeline_file,
)
from tests.connectors.conftest import sql_url  # noqa: F401  (the fixture)

OLD_OUTPUT = b'{"old": true}\n'
ROWS: list[dict[str, Any]] = [
    {"n": 1, "kind": "a", "v": 5},
    {"n": 2, "kind": "b", "v": 1},
    {"n": 3, "kind": "a", "v": -1},  # fails the validate step
    {"n": 4, "kind": "c", "v": 2},
    {"n": 5, "kind": "b", "v": 3},
]


def _document(url: str, *, check_c: int = 100) -> PipelineDocument:
    return PipelineDocument.model_validate(
        {
            "fieldwright_pipeline": 1,
            "key": "pipeline_T_T_SQL_20261203",
            "name": "sql targets",
            "source": {"connector": {"kind": "ndjson"}},
            "target": {
                "connector": {"kind": "ndjson"},
                "fields": [{"name": "n"}, {"name": "kind"}, {"name": "v"}],
            },
            "steps": [
                {"name": "valid", "type": "validate", "checks": [{"field": "$.v", "min": 0}]},
                {
                    "name": "split",
                    "type": "route",
                    "branches": [
                        {
                            "name": "bs",
                            "when": "kind == 'b'",
                            "target": {
                                "connector": {
                                    "kind": "sql",
                                    "settings": {"url": url, "table": "b_rows"},
                                }
                            },
                        },
                        {"name": "cs", "when": "kind == 'c'"},
                    ],
                },
                # Runs on the records that went on, the c branch's last: a failure here
                # comes after the SQL branch staged its rows.
                {"name": "late", "type": "validate", "checks": [{"field": "$.n", "max": check_c}]},
            ],
        }
    )


@pytest.fixture
def table(sql_url: str) -> str:  # noqa: F811
    engine = create_engine(sql_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE b_rows (n INTEGER PRIMARY KEY, kind VARCHAR(8) NOT NULL, "
                "v INTEGER NOT NULL)"
            )
        )
        connection.execute(text("INSERT INTO b_rows (n, kind, v) VALUES (100, 'b', 7)"))
    engine.dispose()
    return sql_url


def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def _staged(url: str) -> dict[str, int]:
    found = _rows(url, "SELECT _fw_status, COUNT(*) FROM b_rows__fw_staging GROUP BY _fw_status")
    return {str(status): int(count) for status, count in found}


def _files(tmp_path: Path, rows: list[dict[str, Any]]) -> tuple[Path, Path]:
    source = tmp_path / "in.ndjson"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    output = tmp_path / "out.ndjson"
    output.write_bytes(OLD_OUTPUT)
    return source, output


def _letters(output: Path) -> list[dict[str, Any]]:
    path = output.with_name(output.name + ".dead-letters.ndjson")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_successful_run_publishes_the_file_and_the_table(table: str, tmp_path: Path) -> None:
    source, output = _files(tmp_path, ROWS)
    ran = run_pipeline_file(compile_pipeline_document(_document(table)), source, output)
    result = ran.result
    assert result.status is RunStatus.COMPLETED, result.message
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row["n"] for row in lines] == [1, 4]
    assert _rows(table, "SELECT n, kind, v FROM b_rows ORDER BY n") == [
        (2, "b", 1),
        (5, "b", 3),
        (100, "b", 7),
    ]
    assert _staged(table) == {"completed": 2}
    # Conservation and dead letters as for a file-only run: 5 read = 4 written + 1 failed.
    counts = result.counts
    assert (counts.read, counts.written, counts.failed, counts.filtered) == (5, 4, 1, 0)
    [letter] = _letters(output)
    assert letter["step"] == "valid" and letter["input"]["n"] == 3
    assert [step.name for step in ran.steps if step.name == "split"] == ["split"]


def test_a_step_failure_under_fail_fast_leaves_every_target_unchanged(
    table: str, tmp_path: Path
) -> None:
    # Record n=3 is valid here; c (n=4) fails the check after the route, once the SQL
    # branch has staged its rows.
    rows = [{**row, "v": abs(row["v"])} for row in ROWS]
    source, output = _files(tmp_path, rows)
    pipeline = compile_pipeline_document(_document(table, check_c=3))
    ran = run_pipeline_file(pipeline, source, output, strategy=ErrorStrategy.FAIL_FAST)
    result = ran.result
    assert result.status is RunStatus.FAILED
    assert "late" in (result.message or "")
    assert output.read_bytes() == OLD_OUTPUT
    assert _rows(table, "SELECT n FROM b_rows") == [(100,)]
    assert _staged(table) == {"failed": 2}  # staged, never moved
    counts = result.counts
    assert counts.written == 0
    assert counts.read == counts.written + counts.failed + counts.filtered + counts.skipped


def test_a_refused_move_leaves_the_table_and_the_file_unchanged(
    table: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A b record without v: the staging table takes it, the table's NOT NULL refuses the
    # move in the final transaction; the output file is not published either.
    rows = [*ROWS[:1], {"n": 2, "kind": "b"}, ROWS[4]]
    source, output = _files(tmp_path, rows)
    with caplog.at_level(logging.ERROR):
        ran = run_pipeline_file(compile_pipeline_document(_document(table)), source, output)
    result = ran.result
    assert result.status is RunStatus.FAILED
    assert "b_rows" in (result.message or "") and "staged rows" in (result.message or "")
    assert "already published" not in (result.message or "")  # nothing was
    assert output.read_bytes() == OLD_OUTPUT
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    assert _rows(table, "SELECT n FROM b_rows") == [(100,)]
    assert _staged(table) == {"failed": 2}
    assert result.counts.written == 0


def test_a_saved_connection_names_the_branch_database(
    table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _document(table)
    data = document.model_dump(mode="json")
    data["steps"][1]["branches"][0]["target"]["connector"] = {
        "kind": "sql",
        "connection": "warehouse",
        "settings": {"table": "b_rows"},
    }
    from fieldwright.domain import ConnectorRef
    from fieldwright.service import pipelines

    def lookup(name: str) -> ConnectorRef:
        if name != "warehouse":
            raise KeyError(f"no saved connection is named {name!r}")
        return ConnectorRef(kind="sql", settings={"url": table}, connection=name)

    monkeypatch.setattr(pipelines, "default_store_connections", lambda: lookup)
    source, output = _files(tmp_path, ROWS)
    pipeline = compile_pipeline_document(PipelineDocument.model_validate(data))
    result = run_pipeline_file(pipeline, source, output).result
    assert result.status is RunStatus.COMPLETED, result.message
    assert _rows(table, "SELECT n FROM b_rows ORDER BY n") == [(2,), (5,), (100,)]


def _two_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE a_rows (n INTEGER PRIMARY KEY, kind VARCHAR(8), v INTEGER NOT NULL)")
        )
        connection.execute(text("INSERT INTO a_rows (n, kind, v) VALUES (200, 'a', 1)"))
    engine.dispose()


def test_the_second_targets_failed_move_after_the_first_committed_is_told_and_logged(
    table: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Two SQL branches: b's move commits, then c's is refused (a_rows needs v). Separate
    # final transactions cannot be atomic together: the run fails, says what was
    # published, logs it; the output file is not published.
    _two_tables(table)
    data = _document(table).model_dump(mode="json")
    data["steps"][1]["branches"][1]["target"] = {
        "connector": {"kind": "sql", "settings": {"url": table, "table": "a_rows"}}
    }
    rows = [*ROWS[:2], {"n": 4, "kind": "c"}]
    source, output = _files(tmp_path, rows)
    pipeline = compile_pipeline_document(PipelineDocument.model_validate(data))
    with caplog.at_level(logging.ERROR, logger="fieldwright.service._pipeline_targets"):
        result = run_pipeline_file(pipeline, source, output).result
    assert result.status is RunStatus.FAILED
    message = result.message or ""
    assert "a_rows" in message and "already published by this run" in message
    assert "b_rows" in message.split("already published")[1]
    assert any("then" in r.getMessage() and "b_rows" in r.getMessage() for r in caplog.records)
    assert _rows(table, "SELECT n FROM b_rows ORDER BY n") == [(2,), (100,)]
    assert _rows(table, "SELECT n FROM a_rows") == [(200,)]
    assert output.read_bytes() == OLD_OUTPUT


def _stored(url: str, folder: Path, **options: Any) -> PipelineDocument:
    """The pipeline stored: its source a file, its output the table a_rows (no staging
    asked for: the run stages it all the same), branch bs's table through a saved
    connection."""
    data = _document(url, **options).model_dump(mode="json")
    data["source"]["connector"]["settings"] = {"path": str(folder / "in.ndjson")}
    data["target"]["connector"] = {"kind": "sql", "settings": {"url": url, "table": "a_rows"}}
    data["steps"][1]["branches"][0]["target"]["connector"] = {
        "kind": "sql",
        "connection": "warehouse",
        "settings": {"table": "b_rows"},
    }
    return PipelineDocument.model_validate(data)


def test_a_stored_pipeline_with_a_sql_output_and_a_saved_connection_branch(
    service: Service, table: str, tmp_path: Path
) -> None:
    _two_tables(table)
    service.connections.save(
        ConnectionRecord(name="warehouse", kind="sql", settings={"url": table})
    )
    _files(tmp_path, [{**row, "v": abs(row["v"])} for row in ROWS])
    # A failing run first (n=4 fails "late" under fail_fast): neither table changes.
    failing = _stored(table, tmp_path, check_c=3)
    failing.run.error_strategy = ErrorStrategy.FAIL_FAST
    service.pipelines.save(failing, None)
    result = service.start_run(failing.key).wait()
    assert result is not None and result.status is RunStatus.FAILED
    assert "late" in (result.message or "")
    assert _rows(table, "SELECT n FROM a_rows") == [(200,)]
    assert _rows(table, "SELECT n FROM b_rows") == [(100,)]
    assert _staged(table) == {"failed": 2}

    # The next version, without the failure, publishes both tables.
    service.pipelines.save(_stored(table, tmp_path), 1)
    result = service.start_run(failing.key).wait()
    assert result is not None and result.status is RunStatus.COMPLETED, result.message
    assert _rows(table, "SELECT n FROM a_rows ORDER BY n") == [(1,), (3,), (4,), (200,)]
    assert _rows(table, "SELECT n FROM b_rows ORDER BY n") == [(2,), (5,), (100,)]
    counts = result.counts
    assert (counts.read, counts.written, counts.failed) == (5, 5, 0)


def test_a_branch_target_of_another_kind_is_refused_naming_the_branch(
    table: str, tmp_path: Path
) -> None:
    # validate refuses it at its pointer; a run given the document all the same (its
    # targets opened without the compile's check) fails naming the branch.
    data = _document(table).model_dump(mode="json")
    data["steps"][1]["branches"][0]["target"]["connector"] = {
        "kind": "ftp",
        "settings": {"url": "ftp://127.0.0.1:9/rows", "path": "b.ndjson"},
    }
    document = PipelineDocument.model_validate(data)
    [problem] = check_pipeline(document)
    assert problem.pointer == "/steps/1/branches/0/target/connector/kind"
    route = document.steps[1]
    assert isinstance(route, RouteStep)
    branch = route.branches[0]
    targets = RunTargets(tmp_path / "out.ndjson", None, lambda: "run")
    with pytest.raises(ConnectorError, match=r"branch 'bs': .* not ftp"):
        targets.open_branch(branch)
