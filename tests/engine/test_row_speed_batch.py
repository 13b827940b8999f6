"""The row engine's batch-path shortcuts of issue 18 item 1 (second round) give what the
general paths give: outputs built in one pass, recovered values without their errors,
plain decimals read without regexes, file sinks fed chunk by chunk."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.connectors import open_sink, open_source
from fieldwright.domain.pipeline_canonical import VERSION_KEY
from fieldwright.engine import RecordStatus, compile_document, execute
from fieldwright.engine.columns import record_builder
from fieldwright.engine.functions import TransformError
from fieldwright.engine.functions._common import as_number_text
from fieldwright.service import _pipeline_file
from tests.engine.kit import document
from tests.engine.test_row_speed import FIELDS, RECORDS

#: Member names, hostile ones among them: no target text may reach the builder's source.
NAMES = st.sampled_from(["a", "b", "c", "it's", "ü", "'}]; __import__('os')#", "k0", "v1", "\n"])


@settings(max_examples=300, deadline=None)
@given(
    targets=st.lists(st.lists(NAMES, min_size=1, max_size=3).map(tuple), min_size=1, max_size=6),
    rows=st.integers(0, 3),
)
def test_the_record_builder_builds_what_writing_field_by_field_builds(
    targets: list[tuple[str, ...]], rows: int
) -> None:
    build = record_builder(targets)
    conflict = len(set(targets)) < len(targets) or any(
        path[:end] in set(targets) for path in targets for end in range(1, len(path))
    )
    if conflict:
        assert build is None
        return
    assert build is not None
    columns = [[(number, row) for row in range(rows)] for number in range(len(targets))]
    built = build(*columns)
    expected = []
    for row in range(rows):
        output: dict[str, Any] = {}
        for number, path in enumerate(targets):
            node = output
            for name in path[:-1]:
                node = node.setdefault(name, {})
            node[path[-1]] = (number, row)
        expected.append(output)
    assert built == expected
    assert orjson.dumps(built) == orjson.dumps(expected)  # the same key order


def test_the_record_builder_leaves_indexes_and_item_targets_to_the_writers() -> None:
    assert record_builder([("a",), ("b", 0)]) is None
    assert record_builder([("a",), ()]) is None
    assert record_builder([]) is None


def test_a_mapping_of_plain_targets_builds_its_outputs_at_once() -> None:
    mapping = compile_document(document(fields=FIELDS))
    assert mapping._build is not None
    chunk = RECORDS * 20
    expected = [mapping.apply(record) for record in chunk]
    assert mapping.apply_many(chunk) == expected
    outputs, others = mapping.map_chunk(chunk)
    assert [orjson.dumps(o) for o in outputs if o is not None] == [
        orjson.dumps(r.output) for i, r in enumerate(expected) if i not in others
    ]


def test_a_run_takes_recovered_records_without_their_errors() -> None:
    mapping = compile_document(document(fields=FIELDS))
    expected = [mapping.apply(record) for record in RECORDS]
    assert any(r.errors and r.status is RecordStatus.OK for r in expected)
    outputs, others = mapping.map_chunk(RECORDS, recovered_errors=False)
    failed = {i for i, r in enumerate(expected) if r.status is not RecordStatus.OK}
    assert set(others) == failed
    for index, result in enumerate(expected):
        if index not in failed:
            assert outputs[index] == result.output


@settings(max_examples=500, deadline=None)
@given(
    text=st.from_regex(r"[0-9]{1,20}\.[0-9]{0,20}", fullmatch=True)
    | st.from_regex(r"[0-9]{0,3}\.?[0-9]{0,3}[eE]?[0-9]{0,2} ?", fullmatch=True)
    | st.text(alphabet="0123456789.+- ", max_size=8)
)
def test_plain_decimals_read_as_the_patterns_read_them(text: str) -> None:
    import re

    stripped = text.strip()
    if re.fullmatch(r"[+-]?\d+", stripped):
        assert as_number_text(text) == int(stripped)
    elif re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", stripped) and math.isfinite(
        float(stripped)
    ):
        got = as_number_text(text)
        assert type(got) is float and got == float(stripped)
    else:
        with pytest.raises(TransformError):
            as_number_text(text)


def test_a_decimal_too_long_for_a_float_still_fails() -> None:
    with pytest.raises(TransformError, match="cannot read"):
        as_number_text("9" * 400 + ".5")


def test_a_file_run_hands_each_chunk_to_the_sink_as_it_is_mapped(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in RECORDS * 100))
    mapping = compile_document(document(fields=FIELDS))
    sink = open_sink(tmp_path / "out.ndjson", "ndjson")
    sizes: list[int] = []
    write_batch = sink.write_batch

    def counting(records: Any) -> Any:
        sizes.append(len(records))
        return write_batch(records)

    sink.write_batch = counting  # type: ignore[method-assign]
    outcome = execute(mapping, open_source(source, "ndjson"), sink, batch_size=1000)
    assert outcome.counts.written == len(RECORDS) * 100
    assert max(sizes) <= 64  # not held until 1000 records are mapped
    written = [orjson.loads(line) for line in (tmp_path / "out.ndjson").read_bytes().splitlines()]
    assert written == [mapping.apply(r).output for r in RECORDS * 100]


def test_the_pipeline_file_check_knows_the_pipeline_version_key() -> None:
    assert _pipeline_file.VERSION_KEY == VERSION_KEY
