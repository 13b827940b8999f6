"""Helpers for pipeline engine tests: documents from steps, runs into a memory sink."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fieldwright.domain.pipeline import PipelineCounts, PipelineDocument
from fieldwright.domain.records import Record
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine.pipeline import (
    PipelineResolver,
    StepCounts,
    compile_pipeline,
    execute_pipeline,
)
from tests.engine.kit import MemorySink, items


def pipeline(*steps: dict[str, Any], **fields: Any) -> PipelineDocument:
    data: dict[str, Any] = {
        "fieldwright_pipeline": 1,
        "key": "pipeline_T_T_X_20261203",
        "name": "test",
        "steps": list(steps),
    }
    data.update(fields)
    return PipelineDocument.model_validate(data)


class Ran:
    """What one run gave: status, records written, counts per step and for the run."""

    def __init__(self) -> None:
        self.status = RunStatus.COMPLETED
        self.output: list[Record] = []
        self.counts = PipelineCounts()
        self.steps: tuple[StepCounts, ...] = ()
        self.letters: list[DeadLetter] = []
        self.message: str | None = None

    def step(self, name: str) -> StepCounts:
        return next(s for s in self.steps if s.name == name)


def run(
    document: PipelineDocument,
    records: Sequence[Record | None],
    resolver: PipelineResolver | None = None,
    **options: Any,
) -> Ran:
    compiled = compile_pipeline(document, resolver)
    sink = MemorySink()
    ran = Ran()

    def keep(steps: tuple[StepCounts, ...]) -> None:
        ran.steps = steps

    outcome = execute_pipeline(
        compiled,
        items(records),
        sink,
        on_dead_letter=ran.letters.append,
        on_steps=keep,
        **options,
    )
    ran.status, ran.counts, ran.message = outcome.status, outcome.counts, outcome.message
    ran.output = sink.committed or []
    assert ran.counts.balanced, ran.counts
    if ran.status is RunStatus.COMPLETED:  # a stopped run's steps may hold records (skipped)
        for step in ran.steps:
            assert step.balanced, step
    return ran
