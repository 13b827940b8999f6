"""A pipeline's tests: each test's input records through the steps, in memory, its
outputs (the run's and each branch target's) compared with what it expects; and which
steps the tests reached (coverage)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldwright.domain.pipeline import Branch, PipelineTest
from fieldwright.domain.records import Position, Record, RejectedRecord, SourceItem
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine.pipeline.compile import CompiledPipeline
from fieldwright.engine.pipeline.run import execute_pipeline

__all__ = ["PipelineSuite", "PipelineTestResult", "run_pipeline_tests"]


@dataclass(slots=True)
class PipelineTestResult:
    name: str
    passed: bool
    #: What differs, one line each (the output, a branch target, the failures).
    differences: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PipelineSuite:
    results: list[PipelineTestResult]
    #: Steps (route branches' too) no test gave a record to.
    untested_steps: list[str]
    steps: int

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0


class _Collect:
    """A sink that keeps what it is given once committed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending: list[Record] = []
        self.committed: list[Record] | None = None

    def write_batch(self, records: Sequence[Record]) -> Sequence[RejectedRecord] | None:
        self.pending.extend(records)
        return None

    def commit(self) -> None:
        self.committed = list(self.pending)

    def abort(self) -> None:
        self.pending = []


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _compare(where: str, got: list[Record], expected: list[Any]) -> list[str]:
    if got == expected:
        return []
    if len(got) != len(expected):
        lines = [f"{where}: {len(got)} records, expected {len(expected)}"]
    else:
        lines = []
    for index, (mine, theirs) in enumerate(zip(got, expected, strict=False)):
        if mine != theirs:
            lines.append(f"{where} record {index + 1}: got {_show(mine)}, expected {_show(theirs)}")
            break
    return lines


def _run_one(compiled: CompiledPipeline, test: PipelineTest) -> tuple[PipelineTestResult, set[str]]:
    items = [SourceItem(Position(index=n), dict(r)) for n, r in enumerate(test.input)]
    output = _Collect("output")
    branches: dict[str, _Collect] = {}
    letters: list[DeadLetter] = []

    def open_branch(branch: Branch) -> _Collect:
        branches[branch.name] = _Collect(branch.name)
        return branches[branch.name]

    outcome = execute_pipeline(
        compiled, items, output, on_dead_letter=letters.append, open_branch_sink=open_branch
    )
    reached = {s.name for s in compiled.all_steps() if s.counts.received}
    differences: list[str] = []
    if outcome.status is not RunStatus.COMPLETED:
        differences.append(f"the run {outcome.status.value}: {outcome.message}")
    else:
        differences += _compare("output", output.committed or [], test.expected)
        for name, expected in test.expected_targets.items():
            if name not in branches:
                differences.append(f"branch {name!r} wrote no target")
                continue
            differences += _compare(f"branch {name!r}", branches[name].committed or [], expected)
        if len(letters) != test.expected_failures:
            reasons = "; ".join(letter.reason for letter in letters[:3])
            differences.append(
                f"{len(letters)} records failed, expected {test.expected_failures}"
                + (f" ({reasons})" if reasons else "")
            )
    return PipelineTestResult(test.name, not differences, differences), reached


def run_pipeline_tests(compiled: CompiledPipeline) -> PipelineSuite:
    """Run every test of the pipeline; which steps no test reached."""
    results: list[PipelineTestResult] = []
    reached: set[str] = set()
    for test in compiled.document.tests:
        result, steps = _run_one(compiled, test)
        results.append(result)
        reached |= steps
    every = [s.name for s in compiled.all_steps()]
    return PipelineSuite(results, [n for n in every if n not in reached], len(every))
