"""`--engine dask` on a two-worker LocalCluster writes what a local run writes, byte for byte.

One cluster serves the module (starting one takes seconds). Inputs are small
contacts-like files cut into many small partitions, so every partition boundary
case is crossed: records with bad values (dead letters from the mapping), lines
that cannot be read (dead letters from the reader), quoted CSV fields holding
line ends, a glob of files, a run that fails (nothing published) and what the
engine refuses before running.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli as main
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.runs import RunStatus
from fieldwright.service import (
    DataError,
    InvalidRequest,
    dead_letter_path,
    parse_size,
    part_paths,
    parts_manifest_path,
    run_distributed,
    run_file,
)
from tests.engine.columnar.test_corpus import CONTACTS, STRICT

distributed = pytest.importorskip("distributed")

FIRST = ["Ann", " Bob ", "José", "ZOË", "li", "\tMia", ""]
STAGES = ["lead", "customer", "evangelist", "other", "", "skip", " lead "]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def _record(rng: random.Random, n: int) -> dict[str, Any]:
    props: dict[str, Any] = {
        "first": rng.choice(FIRST),
        "last": rng.choice(["smith", "O'Brien", "Müller"]),
        "email": f" User{n}@Example.COM ",
        "phone": f"+1 ({n % 900 + 100}) 555-{n % 10000:04d}",
        "created": rng.choice(["2024-02-29", "2023-02-29", "2024-01-31T23:59:59.123Z", "bad"]),
        "stage": rng.choice(STAGES),
        "revenue": rng.choice(["12.50", "N/A", "", "7", "x1"]),
    }
    record: dict[str, Any] = {"id": n, "p": props, "companies": [n % 7, n % 11][: n % 3]}
    if n % 13 == 0:
        record["archived"] = True
    return record


def _ndjson(path: Path, count: int, seed: int = 7, broken: bool = True) -> Path:
    rng = random.Random(seed)
    lines = [orjson.dumps(_record(rng, n)) for n in range(count)]
    if broken:
        lines[5] = b'{"id": 5, "p": '  # invalid JSON
        lines[count // 2] = b'{"id": 1, "id": 2}'  # a duplicate key
        lines[count - 3] = b""  # a blank line
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _letters(path: Path) -> list[dict[str, Any]]:
    """Dead letters without what differs between any two runs (id, time)."""
    if not path.exists():
        return []
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    for row in rows:
        del row["error_id"], row["occurred_at"]
    return rows


def _local(
    document: MappingDocument, source: Path, out: Path, engine: str, **kw: Any
) -> tuple[Any, bytes, list[dict[str, Any]]]:
    result = run_file(document, source, out, engine=engine, **kw)
    data = out.read_bytes() if out.exists() else b""
    return result, data, _letters(dead_letter_path(out))


@pytest.mark.parametrize("mapping", [CONTACTS, STRICT], ids=["contacts", "strict"])
def test_ndjson_merged_equals_the_local_runs(scheduler: str, tmp_path: Path, mapping: Any) -> None:
    document = MappingDocument.model_validate(mapping)
    source = _ndjson(tmp_path / "in.ndjson", 1500)
    rows = _local(document, source, tmp_path / "rows.ndjson", "rows")
    cols = _local(document, source, tmp_path / "cols.ndjson", "polars")
    out = tmp_path / "dask.ndjson"
    result = run_distributed(
        document, source, out, scheduler=scheduler, partition_size=16 << 10, merge=True
    )
    assert result.status is RunStatus.COMPLETED and result.engine == "dask"
    assert out.read_bytes() == rows[1] == cols[1]
    letters = _letters(dead_letter_path(out))
    assert letters == rows[2] == cols[2]
    assert result.counts == rows[0].counts == cols[0].counts
    counts = result.counts
    assert counts.read == counts.written + counts.failed + counts.filtered + counts.skipped
    assert counts.read == 1499  # the blank line is no record
    # The reader's dead letters name the line in the whole file (not in a partition).
    lines = {row["position"]["line"] for row in letters if row["input"] is None}
    assert lines == {6, 751}
    assert result.dead_letters == len(letters) == counts.failed
    manifest = orjson.loads((tmp_path / "dask.ndjson.meta.json").read_bytes())
    assert manifest["run"]["partitions"] == -(-source.stat().st_size // (16 << 10)) > 10
    assert manifest["row_count"] == counts.written
    assert manifest["companions"]["dask.ndjson.dead-letters.ndjson"]["rows"] == len(letters)


def test_partitioned_outputs_and_their_manifest(scheduler: str, tmp_path: Path) -> None:
    document = MappingDocument.model_validate(STRICT)
    source = _ndjson(tmp_path / "in.ndjson", 900)
    rows = _local(document, source, tmp_path / "rows.ndjson", "rows")
    out = tmp_path / "out" / "dask.ndjson"
    out.parent.mkdir()
    stale = part_paths(out, 9)[8]
    stale.write_bytes(b"from an earlier run with more partitions\n")
    result = run_distributed(document, source, out, scheduler=scheduler, partitions=5)
    assert result.status is RunStatus.COMPLETED
    parts = part_paths(out, 5)
    assert b"".join(p.read_bytes() for p in parts) == rows[1]
    manifest = orjson.loads(parts_manifest_path(out).read_bytes())
    listed = manifest["parts"]
    assert [p["filename"] for p in listed] == [p.name for p in parts]
    assert [p["row_count"] for p in listed] == [p.read_bytes().count(b"\n") for p in parts]
    assert sum(p["read"] for p in listed) == manifest["run"]["read"] == rows[0].counts.read
    assert manifest["run"]["written"] == rows[0].counts.written
    assert manifest["run"]["filtered"] == rows[0].counts.filtered > 0
    data = source.read_bytes()
    assert [p["first_line"] for p in listed] == [
        data[: p["bytes"][0]].count(b"\n") + 1 for p in listed
    ]
    assert [p["bytes"][0] for p in listed[1:]] == [p["bytes"][1] for p in listed[:-1]]
    assert _letters(dead_letter_path(out)) == rows[2]
    # Only the run's files are left: no hidden partitions, the stale part removed.
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == sorted(
        [p.name for p in parts] + [parts_manifest_path(out).name, dead_letter_path(out).name]
    )
    assert not stale.exists()


CSV_MAPPING: dict[str, Any] = {
    "fieldwright": 1,
    "key": "mapping_CSV_DASK_20261203",
    "name": "csv",
    "fields": [
        {"target": "$.id", "sources": "$.id", "transforms": [{"fn": "to_integer"}]},
        {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "trim"}, {"fn": "upper"}]},
        {"target": "$.notes", "sources": "$.notes", "transforms": [{"fn": "normalize_whitespace"}]},
        {
            "target": "$.amount",
            "sources": "$.amount",
            "transforms": [{"fn": "to_number"}],
            "on_error": "fail",
        },
    ],
}


def _csv(path: Path, count: int) -> Path:
    rng = random.Random(11)
    rows = ["id,name,notes,amount"]
    for n in range(count):
        notes = rng.choice(['"two\r\nlines"', "plain", '"a ""quoted"" word"', '"x,\n\ny"', ""])
        amount = rng.choice(["1.5", "20", "n/a"])
        rows.append(f"{n}, {rng.choice(FIRST).strip()} ,{notes},{amount}")
        if n % 97 == 50:
            rows.append(f"{n},too,many,cells,here")
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    return path


def test_csv_with_quoted_line_ends_equals_the_local_run(scheduler: str, tmp_path: Path) -> None:
    document = MappingDocument.model_validate(CSV_MAPPING)
    source = _csv(tmp_path / "in.csv", 600)
    rows = _local(document, source, tmp_path / "rows.ndjson", "rows")
    out = tmp_path / "dask.ndjson"
    result = run_distributed(
        document, source, out, scheduler=scheduler, partition_size=2 << 10, merge=True
    )
    assert result.status is RunStatus.COMPLETED
    assert out.read_bytes() == rows[1]
    letters = _letters(dead_letter_path(out))
    assert letters == rows[2]
    assert result.counts == rows[0].counts
    manifest = orjson.loads((tmp_path / "dask.ndjson.meta.json").read_bytes())
    assert manifest["run"]["partitions"] == -(-source.stat().st_size // (2 << 10))
    # Lines count every line end, quoted or not: an unreadable row is found at its line.
    lines = source.read_bytes().decode().split("\n")
    bad = [row["position"]["line"] for row in letters if row["input"] is None]
    assert len(bad) == 6
    assert [lines[line - 1].endswith(",too,many,cells,here\r") for line in bad] == [True] * 6


def test_a_csv_that_cannot_be_split_runs_as_one_partition(
    scheduler: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A quote inside an unquoted field makes quote counting useless: a range that ends
    inside a quoted field is detected and the file is mapped whole, not cut wrongly."""
    document = MappingDocument.model_validate(CSV_MAPPING)
    source = tmp_path / "in.csv"
    rows = ["id,name,notes,amount", '1,5" pipe,x,1']
    rows += [f'{n},n{n},"two\nlines {n}",2' for n in range(2, 200)]
    source.write_text("\n".join(rows) + "\n")
    local = _local(document, source, tmp_path / "rows.ndjson", "rows")
    out = tmp_path / "dask.ndjson"
    with caplog.at_level("WARNING", logger="fieldwright.service.distributed"):
        result = run_distributed(document, source, out, scheduler=scheduler, partitions=6)
    assert "a CSV range ended inside a quoted field" in caplog.text
    assert result.status is RunStatus.COMPLETED
    assert result.counts == local[0].counts and result.counts.written == 199
    manifest = orjson.loads(parts_manifest_path(out).read_bytes())
    assert len(manifest["parts"]) == 1
    assert part_paths(out, 1)[0].read_bytes() == local[1]


def test_a_glob_maps_its_files_in_order(scheduler: str, tmp_path: Path) -> None:
    document = MappingDocument.model_validate(CONTACTS)
    folder = tmp_path / "in"
    folder.mkdir()
    files = [_ndjson(folder / f"part{n}.ndjson", 300 + 50 * n, seed=n) for n in range(3)]
    expected, letters = b"", []
    for n, file in enumerate(files):
        local = _local(document, file, tmp_path / f"local{n}.ndjson", "rows")
        expected += local[1]
        letters += local[2]
    out = tmp_path / "dask.ndjson"
    result = run_distributed(
        document, str(folder / "*.ndjson"), out, scheduler=scheduler, partitions=4, merge=True
    )
    assert result.status is RunStatus.COMPLETED
    assert out.read_bytes() == expected
    found = _letters(dead_letter_path(out))
    assert found == letters
    assert {r["reason"].split(",")[0] for r in found if r["input"] is None} == {
        f"part{n}.ndjson" for n in range(3)
    }


def test_a_failed_partition_publishes_nothing(scheduler: str, tmp_path: Path) -> None:
    document = MappingDocument.model_validate(CSV_MAPPING)
    source = _csv(tmp_path / "in.csv", 300)
    out = tmp_path / "dask.ndjson"
    out.write_bytes(b'{"earlier": true}\n')
    result = run_distributed(
        document,
        source,
        out,
        scheduler=scheduler,
        partitions=4,
        merge=True,
        strategy=ErrorStrategy.FAIL_FAST,
    )
    assert result.status is RunStatus.FAILED
    assert result.message and "partition 0" in result.message
    assert out.read_bytes() == b'{"earlier": true}\n'
    partitioned = tmp_path / "parts.ndjson"
    result = run_distributed(
        document, source, partitioned, scheduler=scheduler, partitions=4,
        strategy=ErrorStrategy.FAIL_FAST,
    )  # fmt: skip
    assert result.status is RunStatus.FAILED
    assert not parts_manifest_path(partitioned).exists()
    assert not any(p.name.startswith((".parts", "parts.part-")) for p in tmp_path.iterdir())


PIPELINE: dict[str, Any] = {
    "fieldwright_pipeline": 1,
    "key": "pipeline_DEDUPE_DASK_20261203",
    "name": "dedupe",
    "steps": [
        {"name": "map", "type": "map", "mapping": CONTACTS},
        {"name": "once", "type": "dedupe", "keys": ["$.source_id"]},
    ],
}


def test_what_cannot_be_distributed_is_refused_before_running(tmp_path: Path) -> None:
    source = _ndjson(tmp_path / "in.ndjson", 20)
    pipeline = tmp_path / "p.fwpipe.json"
    pipeline.write_bytes(orjson.dumps(PIPELINE))
    out = tmp_path / "out.ndjson"
    ran = CliRunner().invoke(
        main,
        ["run", str(pipeline), "-i", str(source), "-o", str(out), "--engine", "dask"],
    )
    assert ran.exit_code == 2, ran.output
    assert "'once' (dedupe: keeps the first of equal records" in " ".join(ran.output.split())
    assert not out.exists()
    document = MappingDocument.model_validate(CONTACTS)
    with pytest.raises(InvalidRequest, match="writes NDJSON outputs, not json"):
        run_distributed(document, source, tmp_path / "out.json", scheduler="tcp://0.0.0.0:1")
    json_input = tmp_path / "in.json"
    json_input.write_bytes(b"[]")
    with pytest.raises(InvalidRequest, match="splits NDJSON and CSV inputs, not json"):
        run_distributed(document, json_input, out, scheduler="tcp://0.0.0.0:1")
    with pytest.raises(DataError, match="no file matches"):
        run_distributed(document, str(tmp_path / "nothing*.ndjson"), out)


def test_the_command_line_runs_on_the_cluster(scheduler: str, tmp_path: Path) -> None:
    mapping = tmp_path / "m.fwmap.json"
    mapping.write_bytes(orjson.dumps(STRICT))
    source = _ndjson(tmp_path / "in.ndjson", 400)
    rows = _local(MappingDocument.model_validate(STRICT), source, tmp_path / "r.ndjson", "rows")
    out = tmp_path / "dask.ndjson"
    args = ["run", str(mapping), "-i", str(source), "-o", str(out), "--no-progress"]
    ran = CliRunner().invoke(
        main,
        [
            *args,
            "--engine",
            "dask",
            "--scheduler",
            scheduler,
            "--partition-size",
            "8KiB",
            "--merge",
        ],
    )
    assert ran.exit_code == 3, ran.output  # completed, some records failed
    assert "on Dask" in ran.output
    assert out.read_bytes() == rows[1]
    ran = CliRunner().invoke(main, [*args, "--partitions", "3"])
    assert ran.exit_code == 2 and "apply to --engine dask" in ran.output


def test_partition_sizes_are_read_as_people_write_them() -> None:
    assert parse_size("64MiB") == parse_size("64 mb") == 64 << 20
    assert parse_size("512k") == 512 << 10
    assert parse_size("1.5GiB") == 3 << 29
    assert parse_size("1000") == 1000
    for wrong in ("", "MiB", "12 parsecs", "0", "-5k"):
        with pytest.raises(InvalidRequest):
            parse_size(wrong)
