"""`fieldwright run FILE` starts without the store's libraries (issue 18): a file run's
start-up is paid on every run, and SQLAlchemy, Alembic and keyring alone took over a
second of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fieldwright

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
    src = str(Path(fieldwright.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.format(heavy=heavy),
            str(mapping),
            "-i",
            str(source),
            "-o",
            str(output),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return done, output


def test_a_file_run_imports_neither_the_store_nor_its_libraries(tmp_path: Path) -> None:
    done, output = _run_probe(tmp_path, HEAVY)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr


def test_a_mapping_file_run_leaves_the_pipeline_modules_unimported(tmp_path: Path) -> None:
    done, output = _run_probe(tmp_path, PIPELINE)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr
