"""A pipeline on a few sample records, step by step: what each step gave, and from where.

For the per-step preview of the command line (`fieldwright preview PIPELINE`) and,
later, the Pipeline Designer: every top-level step's first records out, each with
the position of the source record it came from (for an aggregate, the group's
first record), the steps' counts and the dead letters, all without a sink.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fieldwright.domain.records import Record, SourceItem
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine.pipeline.compile import CompiledPipeline
from fieldwright.engine.pipeline.flow import Context, FailFast, Flow, StepCounts

__all__ = ["PipelinePreview", "StepSample", "preview_pipeline"]


@dataclass(slots=True)
class StepSample:
    """The first records a step gave, each with where its source record was."""

    counts: StepCounts
    records: list[Record] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PipelinePreview:
    steps: list[StepSample]
    #: Every step, those inside route branches too, with its counts.
    counts: tuple[StepCounts, ...]
    letters: list[DeadLetter]
    #: Why the preview stopped early (a step's error), if it did.
    error: str | None = None


def _tap(flows: Iterator[Flow], sample: StepSample, limit: int) -> Iterator[Flow]:
    for flow in flows:
        if len(sample.records) < limit:
            sample.records.append(flow.record)
            sample.origins.append(str(flow.origin.position))
        yield flow


def _readable(items: Iterable[SourceItem], context: Context) -> Iterator[Flow]:
    for item in items:
        if item.record is None:
            context.fail(item, None, item.error or "the record could not be read", kind="read")
            continue
        yield Flow(item, item.record)


def preview_pipeline(
    compiled: CompiledPipeline, items: Iterable[SourceItem], *, limit: int = 20
) -> PipelinePreview:
    """Run `items` through every step (continuing past failed records); keep what each
    step gave, up to `limit` records a step. Route branches with their own target are
    run but write nowhere: their records are not shown."""
    letters: list[DeadLetter] = []
    context = Context(letters.append, fail_fast=False, open_branch_sink=lambda _b: _Discard())
    for step in compiled.steps:
        step.reset()
    samples: list[StepSample] = []
    stream: Iterator[Flow] = _readable(items, context)
    for step in compiled.steps:
        sample = StepSample(step.counts)
        samples.append(sample)
        stream = _tap(step.run(stream, context), sample, limit)
    error = None
    try:
        for _flow in stream:
            pass
    except FailFast as exc:  # pragma: no cover - fail_fast is off
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a step's error is the preview's answer
        error = str(exc)
    for step, sample in zip(compiled.steps, samples, strict=True):
        sample.counts = step.counts
    return PipelinePreview(samples, tuple(s.counts for s in compiled.all_steps()), letters, error)


class _Discard:
    """A branch target in a preview: takes records, keeps none."""

    name = "preview"

    def write_batch(self, records: object) -> None:
        return None

    def commit(self) -> None:
        return None

    def abort(self) -> None:
        return None
