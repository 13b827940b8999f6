"""A failed record too large to keep whole is still a dead letter: its first bytes, its size
and its SHA-256, in the store and beside a file run's output (never a lost record)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import orjson

from fieldwright.domain import MappingDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.service import Service, run_file
from fieldwright.service._letters import EXCERPT_BYTES, MAX_INPUT_BYTES

HUGE = {"id": 2, "blob": "x" * (3 * MAX_INPUT_BYTES)}  # no name: the record fails


def _document(source: Path, out: Path) -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_BIG_OUT_TEST_20261202",
            "name": "big",
            "source": {"connector": {"kind": "ndjson", "settings": {"path": str(source)}}},
            "target": {"connector": {"kind": "ndjson", "settings": {"path": str(out)}}},
            "fields": [{"target": "$.name", "sources": "$.name", "required": True}],
        }
    )


def _input(tmp_path: Path) -> Path:
    source = tmp_path / "in.ndjson"
    lines = [{"id": 1, "name": "ada"}, HUGE, {"id": 3, "name": "bob", "small": "kept whole"}]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return source


def _check(reason: str, raw: str | None) -> None:
    data = orjson.dumps(HUGE)
    assert f"{len(data):,} bytes of JSON" in reason
    assert hashlib.sha256(data).hexdigest() in reason
    assert raw is not None and len(raw) == EXCERPT_BYTES and raw.startswith('{"id":2,"blob":"xxx')


def test_a_store_run_keeps_an_oversized_record_as_a_capped_dead_letter(
    db_url: str, tmp_path: Path
) -> None:
    source, out = _input(tmp_path), tmp_path / "out.ndjson"
    with Service.open(db_url) as service:
        result = service.start_run(_document(source, out)).wait(60)
        assert result is not None and result.status is RunStatus.COMPLETED
        assert (result.counts.read, result.counts.written, result.counts.failed) == (3, 2, 1)
        (letter,) = service.dead_letters(result.key).items
    assert letter.input is None and letter.position_text.startswith("line 2,")
    _check(letter.reason, letter.raw)


def test_a_file_run_keeps_an_oversized_record_as_a_capped_dead_letter(tmp_path: Path) -> None:
    source, out = _input(tmp_path), tmp_path / "out.ndjson"
    document = _document(source, out)
    result = run_file(document, source, out)
    assert (result.counts.written, result.counts.failed) == (2, 1)
    letters = (tmp_path / "out.ndjson.dead-letters.ndjson").read_text().splitlines()
    (letter,) = [json.loads(line) for line in letters]
    assert letter["input"] is None
    _check(letter["reason"], letter["raw"])


def test_small_inputs_are_kept_whole(db_url: str, tmp_path: Path) -> None:
    source, out = tmp_path / "in.ndjson", tmp_path / "out.ndjson"
    source.write_text('{"id": 9, "note": "' + "y" * 1000 + '"}\n')
    with Service.open(db_url) as service:
        result = service.start_run(_document(source, out)).wait(60)
        assert result is not None
        (letter,) = service.dead_letters(result.key).items
    assert letter.input == {"id": 9, "note": "y" * 1000}
    assert "bytes of JSON" not in letter.reason
