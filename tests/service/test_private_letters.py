"""Issue 16 item 7: a file run's dead letters (whole input records) are written 0600."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from fieldwright.domain import ErrorStrategy
from fieldwright.service import dead_letter_path, run_file
from tests.service.helpers import simple_document


def test_dead_letters_of_a_file_run_are_private(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text(json.dumps({"id": 1, "name": "a"}) + "\n" + json.dumps({"id": 2}) + "\n")
    output = tmp_path / "out.ndjson"
    result = run_file(simple_document(), source, output, strategy=ErrorStrategy.CONTINUE_ON_ERROR)
    assert result.dead_letters == 1
    letters = dead_letter_path(output)
    assert stat.S_IMODE(letters.stat().st_mode) == 0o600
    assert '"id":2' in letters.read_text().replace(" ", "")
