"""Fuzz: mutated mapping documents through load, validate, compile, preview and a run.

Each example starts from a bundled example document and mutates it (a key
deleted, a value of the wrong type, deep nesting, huge numbers, odd unicode,
bad paths and function names, a key written twice). Whatever the document,
only the documented error (DocumentError) may escape, and a run in memory
conserves records: read = written + failed + filtered.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwright.domain import DocumentError, ErrorStrategy, loads
from fieldwright.domain.records import Position, SourceItem
from fieldwright.engine import compile_document, execute, trace_record, validate
from tests.engine.kit import MemorySink

REPO = Path(__file__).parents[2]
EXAMPLES = REPO / "resources" / "examples"

Json = Any
Path_ = tuple[str | int, ...]


def _sample(example: str) -> list[dict[str, Any]]:
    folder = EXAMPLES / example
    if (folder / "contacts.json").exists():
        records: list[dict[str, Any]] = json.loads((folder / "contacts.json").read_text("utf-8"))
        return records[:4]
    with (folder / "timesheets.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))[:4]


CASES = {
    name: (json.loads((EXAMPLES / name / "mapping.fwmap.json").read_text("utf-8")), _sample(name))
    for name in ("hubspot_to_crm", "qbt_to_wfn")
}

ODD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\u0000\u202e\ufeff\U0001f600\\\"$[]*?@.()'"),
    max_size=12,
)
BAD_PATHS = st.sampled_from(
    [
        "$",
        "$..",
        "$[",
        "$.a[?match(@.b, '[')]",
        "$.a" * 300,
        "$[?" + "(" * 300 + "@" + ")" * 300 + "]",
        "$.x[*].y[*]",
        "$['a'",
        "$[-1]",
        "a.b",
        "$.é.名前",
        "$[?@.a == 1]",
        "$.a[1:2:0]",
    ]
)
BAD_EXPRESSIONS = st.sampled_from(
    [
        "lenght(a)",
        "length(a, b)",
        "(" * 200 + "a" + ")" * 200,
        "a[?",
        "`1` >",
        'to_number(`"x"`)',
        "sort_by(a, &b)",
        "max(a)",
        "[" * 100 + "]" * 100,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    ODD_TEXT,
    BAD_PATHS,
    BAD_EXPRESSIONS,
    st.sampled_from(
        ["pad_left", "pad_lefts", "jmespath_record", "regex_match", "lookup", "(a+)+$"]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=6,
)


def _places(data: Json, at: Path_ = ()) -> list[Path_]:
    """Every place in `data` down to 12 levels, the document itself included."""
    found = [at]
    if len(at) >= 12:
        return found
    if isinstance(data, dict):
        for key, value in data.items():
            found += _places(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _places(value, (*at, index))
    return found


def _parent(data: Json, at: Path_) -> Json:
    for step in at[:-1]:
        data = data[step]
    return data


def _nest(value: Json, depth: int) -> Json:
    for _ in range(depth):
        value = [value]
    return value


Mutation = Callable[[Json, Path_], None]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str, list[dict[str, Any]]]:
    """A mutated example as JSON text, with its sample records."""
    name = draw(st.sampled_from(sorted(CASES)))
    base, records = CASES[name]
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        places = [p for p in _places(data) if p]
        if draw(st.booleans()):  # most often inside the field mappings
            places = [p for p in places if p[0] == "fields" and len(p) > 2] or places
        at = draw(st.sampled_from(places))
        parent = _parent(data, at)
        kind = draw(st.sampled_from(["delete", "replace", "nest", "huge", "grow"]))
        if kind == "delete":
            del parent[at[-1]]
        elif kind == "replace":
            parent[at[-1]] = draw(VALUES)
        elif kind == "nest":
            parent[at[-1]] = _nest(parent[at[-1]], draw(st.sampled_from([3, 30, 70])))
        elif kind == "huge":
            parent[at[-1]] = draw(st.sampled_from([10**12, -(10**12), 10**400, 1e308, 0, -1]))
        elif isinstance(parent[at[-1]], dict):
            parent[at[-1]][draw(ODD_TEXT)] = draw(VALUES)
        elif isinstance(parent[at[-1]], list):
            parent[at[-1]].append(draw(VALUES))
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 4)) == 0:  # the same key twice
        text = text.replace('"name": ', '"name": "twice", "name": ', 1)
    if draw(st.integers(0, 9)) == 0:  # nesting far past the limit, as text
        depth = draw(st.sampled_from([65, 2_000, 10_000]))
        text = text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    return name, text, records


def _through_everything(text: str, records: list[dict[str, Any]]) -> None:
    """Load, validate, compile, preview and run; only DocumentError may escape."""
    try:
        document = loads(text, source="fuzz.fwmap.json")
    except DocumentError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    problems = validate(document)
    try:
        compiled = compile_document(document)
    except DocumentError as exc:
        assert list(exc.problems) == problems
        return
    assert problems == []
    for record in records:
        trace_record(compiled, record)
    items = [SourceItem(Position(line=n + 2), record) for n, record in enumerate(records)]
    sink = MemorySink()
    outcome = execute(compiled, items, sink, strategy=ErrorStrategy.CONTINUE_ON_ERROR)
    assert outcome.error is None, outcome.message
    counts = outcome.counts
    assert counts.read == len(records)
    assert counts.read == counts.written + counts.failed + counts.filtered
    assert len(sink.committed or []) == counts.written


FUZZ = settings(
    max_examples=int(os.environ.get("FIELDWRIGHT_FUZZ_EXAMPLES", "300")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(mutated())
def test_mutated_documents_give_problems_or_conserving_runs(
    case: tuple[str, str, list[dict[str, Any]]],
) -> None:
    _name, text, records = case
    _through_everything(text, records)


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_is_a_document_error_or_a_document(text: str) -> None:
    _through_everything(text, [])


def _limit_memory() -> None:
    limit = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


HOSTILE = {
    "deep": lambda base: json.dumps(base)[:-1] + ', "notes": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "wide path": lambda base: json.dumps(
        {**base, "fields": [{"target": "$.out", "sources": "$" + ".a" * 20_000}]}
    ),
}


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_cli_answers_hostile_documents_with_their_exit_code_and_no_traceback(
    tmp_path: Path, hostile: str, command: str
) -> None:
    base, _records = CASES["hubspot_to_crm"]
    document = tmp_path / "hostile.fwmap.json"
    document.write_text(HOSTILE[hostile](base), encoding="utf-8")
    args = [sys.executable, "-m", "fieldwright", command, str(document)]
    if command == "run":
        args += [
            "--input",
            str(EXAMPLES / "hubspot_to_crm" / "contacts.json"),
            "--output",
            str(tmp_path / "out.csv"),
        ]
    done = subprocess.run(
        args, capture_output=True, text=True, check=False, timeout=120, preexec_fn=_limit_memory
    )
    # As documented: validate exits 1 for an invalid document; run exits 2, nothing was run.
    assert done.returncode == {"validate": 1, "run": 2}[command], done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "hostile.fwmap.json" in done.stdout + done.stderr
