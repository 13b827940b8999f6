"""A pipeline on a sample, step by step, with each record's lineage (the Pipeline Designer).

The preview of `preview.py` streams every step at once and keeps where each record's
source record was. The designer needs more: every record a step gave, and for a
record out of step k the records of step k - 1 it came from, down to the sample's
input records. Here each top-level step runs on its own over the records the step
before gave, each tagged with its index in that list (`Position.index` of a
stand-in origin), so the origin a step keeps on a record it gives names its parent.
An aggregate's output names the group's first record; its parents are every record
of the group (equal keys, as the step groups them), and a dedupe's output likewise
every record it stands for. A route's records that come back from its branches name
the record that entered the route.

Dead letters keep the position of the sample record they descend from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fieldwright.domain.pipeline import Branch
from fieldwright.domain.records import Position, Record, RecordSink, RejectedRecord, SourceItem
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine.pipeline.aggregate import AggregateRuntime
from fieldwright.engine.pipeline.compile import CompiledPipeline
from fieldwright.engine.pipeline.flow import Context, Flow, StepCounts, StepRuntime
from fieldwright.engine.pipeline.steps import DedupeRuntime
from fieldwright.engine.pipeline.values import Getter, identity

__all__ = ["LineageHop", "PipelineTrace", "StepTrace", "trace_pipeline"]


@dataclass(slots=True)
class StepTrace:
    """What one top-level step received and gave, every record, with its parents."""

    name: str
    type: str
    counts: StepCounts
    #: The records the step gave, in order.
    records: list[Record] = field(default_factory=list)
    #: Per record given: the indices of the records the step received it came from.
    parents: list[tuple[int, ...]] = field(default_factory=list)
    #: The records that failed at this step.
    letters: list[DeadLetter] = field(default_factory=list)
    #: Records the step's route branches wrote to their own targets, by branch name.
    targets: dict[str, list[Record]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineageHop:
    """One level of a record's lineage: a step's records (or the input's, step None)."""

    step: str | None
    indices: tuple[int, ...]
    records: tuple[Record, ...]


@dataclass(slots=True)
class PipelineTrace:
    """A sample through every step: the inputs, each step's records, the dead letters."""

    #: The readable sample records, in order, and where each was in the file.
    inputs: list[Record]
    positions: list[str]
    steps: list[StepTrace]
    #: Every step, those inside route branches too, with its counts.
    counts: tuple[StepCounts, ...]
    #: Every dead letter, those of unreadable records too.
    letters: list[DeadLetter]
    #: Why the trace stopped early (a step's error), if it did.
    error: str | None = None

    def step_inputs(self, step: int) -> list[Record]:
        """The records step `step` received."""
        return self.inputs if step == 0 else self.steps[step - 1].records

    def lineage(self, step: int, record: int) -> list[LineageHop]:
        """Record `record` out of step `step`, then the records it came from, step by
        step back to the sample's input records (the last hop, whose step is None)."""
        hops: list[LineageHop] = []
        indices: tuple[int, ...] = (record,)
        for at in range(step, -1, -1):
            trace = self.steps[at]
            hops.append(LineageHop(trace.name, indices, tuple(trace.records[i] for i in indices)))
            parents = sorted({p for i in indices for p in trace.parents[i]})
            indices = tuple(parents)
        hops.append(LineageHop(None, indices, tuple(self.inputs[i] for i in indices)))
        return hops


class _Capture:
    """A route branch's own target in a trace: keeps the records, writes nothing."""

    def __init__(self, records: list[Record]) -> None:
        self._records = records

    @property
    def name(self) -> str:
        return "preview"

    def write_batch(self, records: Sequence[Record]) -> Sequence[RejectedRecord] | None:
        self._records.extend(records)
        return None

    def commit(self) -> None:
        return None

    def abort(self) -> None:
        return None


def _members(
    getters: list[Getter], received: list[Record], failed: set[int]
) -> dict[int, tuple[int, ...]]:
    """For the first record of each group of equal keys: every record of its group."""
    groups: dict[object, list[int]] = {}
    for index, record in enumerate(received):
        if index not in failed:
            groups.setdefault(identity(tuple(get(record) for get in getters)), []).append(index)
    return {members[0]: tuple(members) for members in groups.values()}


def _key_getters(step: StepRuntime) -> list[Getter] | None:
    if isinstance(step, AggregateRuntime):
        return [get for _name, get in step.keys]
    if isinstance(step, DedupeRuntime):
        return list(step.keys)
    return None


def trace_pipeline(compiled: CompiledPipeline, items: Iterable[SourceItem]) -> PipelineTrace:
    """Run `items` (a small sample) through the steps one step at a time, continuing past
    failed records, keeping every record each step gave and where it came from."""
    letters: list[DeadLetter] = []
    step_letters: list[DeadLetter] = []
    targets: dict[str, list[Record]] = {}

    def branch_sink(branch: Branch) -> RecordSink:
        return _Capture(targets.setdefault(branch.name, []))

    context = Context(step_letters.append, fail_fast=False, open_branch_sink=branch_sink)
    readable: list[SourceItem] = []
    for item in items:
        if item.record is None:
            context.fail(item, None, item.error or "the record could not be read", kind="read")
        else:
            readable.append(item)
    letters.extend(step_letters)
    step_letters.clear()
    trace = PipelineTrace(
        inputs=[item.record for item in readable if item.record is not None],
        positions=[str(item.position) for item in readable],
        steps=[],
        counts=(),
        letters=letters,
    )
    #: Per record a step receives: the index of the sample record it descends from first.
    roots = list(range(len(readable)))
    received = trace.inputs
    for step in compiled.steps:
        step.reset()
    for step in compiled.steps:
        targets = {}
        tagged = [Flow(SourceItem(Position(index=i), r), r) for i, r in enumerate(received)]
        out = StepTrace(step.name, step.type, step.counts)
        try:
            flows = list(step.run(iter(tagged), context))
        except Exception as exc:  # noqa: BLE001 - a step's error is the trace's answer
            trace.error = f"step {step.name!r}: {exc}"
            flows = []
        failed: set[int] = set()
        for letter in step_letters:
            index = letter.position.get("index")
            if isinstance(index, int) and 0 <= index < len(roots):
                failed.add(index)
                origin = readable[roots[index]]
                letter = letter.model_copy(
                    update={
                        "position": origin.position.as_dict(),
                        "position_text": str(origin.position),
                        "raw": origin.raw,
                    }
                )
            out.letters.append(letter)
        letters.extend(out.letters)
        step_letters.clear()
        keys = _key_getters(step)
        groups = _members(keys, received, failed) if keys is not None else {}
        next_roots: list[int] = []
        for flow in flows:
            parent = flow.origin.position.index
            assert parent is not None  # every origin here is a stand-in with an index
            out.records.append(flow.record)
            out.parents.append(groups.get(parent, (parent,)))
            next_roots.append(roots[parent])
        out.counts = step.counts
        out.targets = targets
        trace.steps.append(out)
        if trace.error is not None:
            break
        received, roots = out.records, next_roots
    trace.counts = tuple(s.counts for s in compiled.all_steps())
    return trace
