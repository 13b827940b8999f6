"""Fuzz: mutated and hostile input files through `fieldwright run` and `preview`, as processes.

Each case is a real `python -m fieldwright` process under an address-space cap
(1.5 GiB). Whatever the input (JSON, NDJSON, CSV, XLSX; bytes flipped, cut,
inserted; nesting 100,000 levels deep; bad encodings), the process prints no
traceback and exits with a documented code (run: 0 all mapped, 2 unreadable
input, 3 some records failed; preview: 0 or 2), and a finished run conserves
records: read = written + failed + filtered, with one output line per written
record and one dead letter per failed one.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

DOCUMENT = {
    "fieldwright": 1,
    "key": "mapping_FUZZ",
    "name": "fuzz",
    "fields": [
        {"target": "$.id", "sources": "$.id", "required": True},
        {"target": "$.name", "sources": "$.name", "transforms": [{"fn": "upper"}]},
        {"target": "$.n", "sources": "$.n", "transforms": [{"fn": "to_number"}]},
        {"target": "$.tags", "sources": "$.tags[*]"},
    ],
}

RECORDS: list[dict[str, Any]] = [
    {"id": index, "name": name, "n": str(index * 1.5), "tags": ["a", name]}
    for index, name in enumerate(["ada", "grâce", "李", "zoë", "o'brien", "x,y", 'q"t'], 1)
]

SUMMARY = re.compile(r"read (\d+), written (\d+), failed (\d+), filtered (\d+)")
CAP = 1536 * 1024 * 1024


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


@functools.cache  # hypothesis replays draws: a seed file must be the same bytes every time
def _valid(kind: str) -> bytes:
    if kind == "ndjson":
        return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in RECORDS)
    if kind == "json":
        return json.dumps(RECORDS, ensure_ascii=False, indent=1).encode()
    if kind == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["id", "name", "n"])
        writer.writerows([r["id"], r["name"], r["n"]] for r in RECORDS)
        return text.getvalue().encode()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "n"])
    for record in RECORDS:
        sheet.append([record["id"], record["name"], record["n"]])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _fieldwright(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldwright", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=_cap_memory,
    )


def _lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def _check(folder: Path, kind: str, data: bytes) -> None:
    document = folder / "fuzz.fwmap.json"
    document.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    source = folder / f"in.{kind}"
    source.write_bytes(data)
    output = folder / "out.ndjson"
    done = _fieldwright("run", document, "-i", source, "-o", output)
    said = done.stdout + done.stderr
    assert "Traceback" not in said, said
    assert done.returncode in (0, 2, 3), said
    if done.returncode == 2:
        assert "in." + kind in said, said  # the message names the input file
    else:
        found = SUMMARY.search(said)
        assert found is not None, said
        read, written, failed, filtered = map(int, found.groups())
        assert read == written + failed + filtered, said
        assert _lines(output) == written, said
        assert _lines(folder / "out.ndjson.dead-letters.ndjson") == failed, said
        assert (done.returncode == 3) == (failed > 0), said
    shown = _fieldwright("preview", document, "-i", source, "-n", "5")
    assert "Traceback" not in shown.stdout + shown.stderr, shown.stdout + shown.stderr
    assert shown.returncode in (0, 2), shown.stdout + shown.stderr


@st.composite
def _mutated(draw: st.DrawFn, kind: str) -> bytes:
    data = bytearray(_valid(kind))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "insert":
            data[at:at] = draw(
                st.sampled_from([b"\x00", b"\xff\xfe", b'"', b"[[[[", b"\\ud800", b"\r", b",,"])
            )
        else:
            del data[at:]
    return bytes(data)


FUZZ = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.parametrize("kind", ["ndjson", "json", "csv", "xlsx"])
def test_valid_inputs_map_every_record(tmp_path: Path, kind: str) -> None:
    _check(tmp_path, kind, _valid(kind))
    assert _lines(tmp_path / "out.ndjson") == len(RECORDS)


@pytest.mark.parametrize("kind", ["ndjson", "json", "csv", "xlsx"])
def test_mutated_inputs_through_run_and_preview(tmp_path_factory: Any, kind: str) -> None:
    @FUZZ
    @given(_mutated(kind))
    def case(data: bytes) -> None:
        _check(tmp_path_factory.mktemp(kind), kind, data)

    case()


HOSTILE: dict[str, tuple[str, bytes]] = {
    "array nested 100,000 levels": ("json", b"[" * 100_000 + b"]" * 100_000),
    "record nested 100,000 levels": (
        "ndjson",
        b'{"id": 1}\n{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n" + b'{"id": 2}\n',
    ),
    "latin-1 bytes in UTF-8 NDJSON": ("ndjson", b'{"id": 1, "name": "gr\xe2ce"}\n{"id": 2}\n'),
    "lone surrogate escape": ("json", b'[{"id": 1, "name": "\\ud800"}, {"id": 2}]'),
    "NUL bytes in CSV": ("csv", b"id,name\n1,a\x00b\n2,c\n"),
    "UTF-16 CSV": ("csv", "id,name\n1,ä\n".encode("utf-16")),
    "XLSX cut in half": ("xlsx", _valid("xlsx")[: len(_valid("xlsx")) // 2]),
    "random bytes as XLSX": ("xlsx", bytes(range(256)) * 8),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_inputs_through_run_and_preview(tmp_path: Path, name: str) -> None:
    kind, data = HOSTILE[name]
    _check(tmp_path, kind, data)
