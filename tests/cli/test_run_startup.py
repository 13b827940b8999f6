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


def test_a_file_run_imports_neither_the_store_nor_its_libraries(tmp_path: Path) -> None:
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
            PROBE.format(heavy=HEAVY),
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
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == '{"id":1}\n'
    assert "HEAVY:\n" in done.stderr, done.stderr
