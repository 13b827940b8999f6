"""A pipeline on a sample, step by step, with each record's lineage (the Pipeline Designer).

The preview of `preview.py` streams every step at once and keeps where each record's
source record was. The designer needs more: every record a step gave, and for a
record out of step k the records of step k - 1 it came from, down to the sample's
input records. Here each top-level step runs on its own over the records the step
before gave, each tagged with its index in that list (`Position.index` of a
stand-in origin), so the origin a step keeps on a record it gives names its parent.
An aggregate's output names the group's first record; its parents are every record
of the group (equal keys, as the step groups them), and a dedupe's output likewise
every record it stands for. A route's branches are traced the same way, step by step
over the records the route sent them: a record coming back from a branch names the
records of the branch's steps it came from (`StepTrace.branches`), down to the records
that entered the route, and a branch target's records are traced alike.

Dead letters keep the position of the sample record they descend from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fieldwright.domain.records import Position, Record, SourceItem
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine.pipeline.aggregate import AggregateRuntime
from fieldwright.engine.pipeline.compile import CompiledPipeline
from fieldwright.engine.pipeline.flow import Context, Flow, StepCounts, StepRuntime
from fieldwright.engine.pipeline.route import RouteRuntime
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
    #: A route's branches: the trace of each branch's steps, by branch name.
    branches: dict[str, list[StepTrace]] = field(default_factory=dict)
    #: A route's branches: per record a branch received, its index in what the route received.
    branch_inputs: dict[str, list[int]] = field(default_factory=dict)
    #: A route: per record given, the branch it came back from and its index among the
    #: records of that branch's last step (None: it went on without a branch).
    via: list[tuple[str, int] | None] = field(default_factory=list)

    def sources(self, indices: tuple[int, ...], hops: list[LineageHop]) -> tuple[int, ...]:
        """The indices of the records this step received that `indices` came from; for a
        route, the hops through the steps of its branches are added to `hops` on the way."""
        if not self.branches:
            return tuple(sorted({p for i in indices for p in self.parents[i]}))
        found: set[int] = set()
        by_branch: dict[str, list[int]] = {}
        for i in indices:
            via = self.via[i] if i < len(self.via) else None
            if via is None:
                found.update(self.parents[i])
            else:
                by_branch.setdefault(via[0], []).append(via[1])
        for branch, positions in by_branch.items():
            found.update(self._through_branch(branch, tuple(positions), hops))
        return tuple(sorted(found))

    def _through_branch(
        self, branch: str, indices: tuple[int, ...], hops: list[LineageHop]
    ) -> tuple[int, ...]:
        steps = self.branches[branch]
        if steps:
            indices = _walk(steps, len(steps) - 1, indices, hops)
        entered = self.branch_inputs[branch]
        return tuple(entered[i] for i in indices)

    def target_lineage(self, branch: str, record: int) -> tuple[list[LineageHop], tuple[int, ...]]:
        """Record `record` of branch `branch`'s own target: the hops through the branch's
        steps, and the indices of the records the route received it came from."""
        hops: list[LineageHop] = []
        return hops, self._through_branch(branch, (record,), hops)


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
        step back to the sample's input records (the last hop, whose step is None).
        Through a route, the records of its branch's steps are hops too (named
        ``route/branch/step``)."""
        hops: list[LineageHop] = []
        indices = _walk(self.steps, step, (record,), hops)
        hops.append(LineageHop(None, indices, tuple(self.inputs[i] for i in indices)))
        return hops

    def target_lineage(self, step: int, branch: str, record: int) -> list[LineageHop]:
        """Record `record` of the own target of branch `branch` of route step `step`,
        then the records it came from, back to the sample's input records."""
        route = self.steps[step]
        hops: list[LineageHop] = [
            LineageHop(
                f"{route.name}/{branch} (target)", (record,), (route.targets[branch][record],)
            )
        ]
        inner, indices = route.target_lineage(branch, record)
        hops += inner
        if step > 0:
            indices = _walk(self.steps, step - 1, indices, hops)
        hops.append(LineageHop(None, indices, tuple(self.inputs[i] for i in indices)))
        return hops


def _walk(
    steps: list[StepTrace], at: int, indices: tuple[int, ...], hops: list[LineageHop]
) -> tuple[int, ...]:
    """From records `indices` of `steps[at]` back through the steps before it: a hop per
    step (with those of route branches between), and the indices of what `steps[0]`
    received that they came from."""
    for k in range(at, -1, -1):
        trace = steps[k]
        hops.append(LineageHop(trace.name, indices, tuple(trace.records[i] for i in indices)))
        indices = trace.sources(indices, hops)
    return indices


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


class _Tracer:
    """Runs steps one at a time over a list of records, keeping what each gave."""

    def __init__(self, readable: list[SourceItem], context: Context) -> None:
        self.readable = readable
        self.context = context
        self.letters: list[DeadLetter] = []  # every step's, in the order they failed
        self.pending: list[DeadLetter] = []  # the current step's, filled through the context
        self.error: str | None = None

    def _take_letters(self, out: StepTrace, roots: list[int]) -> set[int]:
        """Move the current step's dead letters to `out`, each at the sample line it
        descends from; the indices of the received records that failed."""
        failed: set[int] = set()
        for letter in self.pending:
            index = letter.position.get("index")
            if isinstance(index, int) and 0 <= index < len(roots):
                failed.add(index)
                origin = self.readable[roots[index]]
                letter = letter.model_copy(
                    update={
                        "position": origin.position.as_dict(),
                        "position_text": str(origin.position),
                        "raw": origin.raw,
                    }
                )
            out.letters.append(letter)
        self.letters.extend(out.letters)
        self.pending.clear()
        return failed

    def steps(
        self, steps: list[StepRuntime], received: list[Record], roots: list[int]
    ) -> tuple[list[StepTrace], list[Record], list[int]]:
        """Each step over what the one before gave: the traces, the last step's records
        and, per record, the index of the sample record it descends from first."""
        traces: list[StepTrace] = []
        for step in steps:
            if isinstance(step, RouteRuntime):
                out, next_roots = self.route(step, received, roots)
            else:
                out, next_roots = self.step(step, received, roots)
            traces.append(out)
            if self.error is not None:
                break
            received, roots = out.records, next_roots
        return traces, received, roots

    def step(
        self, step: StepRuntime, received: list[Record], roots: list[int]
    ) -> tuple[StepTrace, list[int]]:
        tagged = [Flow(SourceItem(Position(index=i), r), r) for i, r in enumerate(received)]
        out = StepTrace(step.name, step.type, step.counts)
        try:
            flows = list(step.run(iter(tagged), self.context))
        except Exception as exc:  # noqa: BLE001 - a step's error is the trace's answer
            self.error = f"step {step.name!r}: {exc}"
            flows = []
        failed = self._take_letters(out, roots)
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
        return out, next_roots

    def route(
        self, route: RouteRuntime, received: list[Record], roots: list[int]
    ) -> tuple[StepTrace, list[int]]:
        """A route as its `run` does it (counts, direct records first, then branch by
        branch), each branch's steps traced one at a time over the records it took."""
        counts = route.counts
        out = StepTrace(route.name, route.type, counts)
        taken_by: list[list[int]] = [[] for _ in route.branches]
        direct: list[int] = []
        for index, record in enumerate(received):
            counts.received += 1
            try:
                taken = route.matches(
                    Flow(SourceItem(Position(index=index), record), record), self.context
                )
            except Exception as exc:  # noqa: BLE001 - a step's error is the trace's answer
                self.error = f"step {route.name!r}: {exc}"
                break
            if taken is None:
                continue
            counts.emitted += max(len(taken), 1)
            counts.expanded += max(len(taken) - 1, 0)
            if not taken:
                direct.append(index)
            for number in taken:
                taken_by[number].append(index)
        self._take_letters(out, roots)
        next_roots = [roots[i] for i in direct]
        for index in direct:
            out.records.append(received[index])
            out.parents.append((index,))
            out.via.append(None)
        for branch, members in zip(route.branches, taken_by, strict=True):
            if self.error is not None:
                break
            branch_roots = [roots[i] for i in members]
            traces, records, last_roots = self.steps(
                branch.steps, [received[i] for i in members], branch_roots
            )
            out.branches[branch.name] = traces
            out.branch_inputs[branch.name] = members
            if branch.branch.target is not None:
                out.targets[branch.name] = records
                continue
            for position, record in enumerate(records):
                hops: list[LineageHop] = []
                within = (
                    _walk(traces, len(traces) - 1, (position,), hops) if traces else (position,)
                )
                out.records.append(record)
                out.parents.append(tuple(members[i] for i in within))
                out.via.append((branch.name, position))
                next_roots.append(last_roots[position])
        out.counts = counts
        return out, next_roots


def trace_pipeline(compiled: CompiledPipeline, items: Iterable[SourceItem]) -> PipelineTrace:
    """Run `items` (a small sample) through the steps one step at a time, continuing past
    failed records, keeping every record each step gave and where it came from."""
    letters: list[DeadLetter] = []
    tracer_letters: list[DeadLetter] = []
    context = Context(tracer_letters.append, fail_fast=False)
    readable: list[SourceItem] = []
    for item in items:
        if item.record is None:
            context.fail(item, None, item.error or "the record could not be read", kind="read")
        else:
            readable.append(item)
    letters.extend(tracer_letters)
    tracer_letters.clear()
    tracer = _Tracer(readable, context)
    tracer.pending = tracer_letters
    tracer.letters = letters
    trace = PipelineTrace(
        inputs=[item.record for item in readable if item.record is not None],
        positions=[str(item.position) for item in readable],
        steps=[],
        counts=(),
        letters=letters,
    )
    for step in compiled.steps:
        step.reset()
    trace.steps, _records, _roots = tracer.steps(
        compiled.steps, trace.inputs, list(range(len(readable)))
    )
    trace.error = tracer.error
    trace.counts = tuple(s.counts for s in compiled.all_steps())
    return trace
