"""The route step: records to named branches by predicate, each with its own steps.

Records no branch takes go on at once. A branch's records are spooled to a
temporary file (bounded memory) until the input ends; then each branch runs its
steps over them, in branch order, and its records go into the branch's own
target, or back into the stream after the route step. Under fan-out (`all`) a
record goes to every branch it matches: the copies beyond the first count as
expanded.
"""

from __future__ import annotations

import itertools
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from fieldwright.domain.pipeline import Branch, RouteMode
from fieldwright.domain.records import Record, SourceItem
from fieldwright.engine.compiler import FILTER_ERRORS
from fieldwright.engine.functions._expressions import BoundedExpression
from fieldwright.engine.pipeline.flow import Context, Flow, StepRuntime
from fieldwright.engine.pipeline.steps import truthy

__all__ = ["BranchRuntime", "RouteRuntime", "step_paths"]

#: Records pickled together in a branch's spool file.
_BLOCK = 512


class _Spool:
    """Flows kept in a temporary file, read back once in the order they came."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._block: list[tuple[SourceItem, Record]] = []
        self.count = 0

    def add(self, flow: Flow) -> None:
        self._block.append((flow.origin, flow.record))
        self.count += 1
        if len(self._block) >= _BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="fieldwright-route-")  # noqa: SIM115
        pickle.dump(self._block, self._file, pickle.HIGHEST_PROTOCOL)
        self._block = []

    def flows(self) -> Iterator[Flow]:
        if self._file is not None:
            self._file.seek(0)
            while True:
                try:
                    block: list[tuple[SourceItem, Record]] = pickle.load(self._file)
                except EOFError:
                    break
                for origin, record in block:
                    yield Flow(origin, record)
        for origin, record in self._block:
            yield Flow(origin, record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._block = []


class BranchRuntime:
    def __init__(
        self, branch: Branch, predicate: BoundedExpression | None, steps: list[StepRuntime]
    ) -> None:
        self.branch = branch
        self.name = branch.name
        self.predicate = predicate
        self.steps = steps


class RouteRuntime(StepRuntime):
    def __init__(self, name: str, mode: RouteMode, branches: list[BranchRuntime], batch: int):
        super().__init__(name, "route")
        self.mode = mode
        self.branches = branches
        self.batch = batch
        #: Flows that enter a branch part-way (a reprocess): by (branch, step) where step is
        #: the index in the branch's steps, or their number (straight to the branch's end).
        self._entering: dict[tuple[int, int], list[Flow]] = {}

    def reset(self) -> None:
        super().reset()
        self._entering = {}

    def enter(self, path: tuple[int, ...], flow: Flow) -> None:
        """Have `flow` enter branch `path[0]` at its step `path[1]` (deeper: inside the
        route that step is, `path[2:]`) when the branch runs, after its own records,
        rather than coming through this step's predicates. The flows must all have
        entered before this step's input ends (the reader puts each where it enters)."""
        if len(path) < 2:
            raise ValueError(f"step {self.name!r}: a branch entry needs a branch and a step")
        b, at, rest = path[0], path[1], path[2:]
        branch = self.branches[b]
        if rest:
            inner = branch.steps[at]
            if not isinstance(inner, RouteRuntime):
                raise ValueError(f"step {inner.name!r} is not a route: nothing to enter")
            inner.enter(rest, flow)
            return
        if not 0 <= at <= len(branch.steps):
            raise IndexError(f"branch {branch.name!r} has no step {at}")
        self._entering.setdefault((b, at), []).append(flow)

    def children(self) -> list[StepRuntime]:
        nested: list[StepRuntime] = []
        for branch in self.branches:
            for step in branch.steps:
                nested += [step, *step.children()]
        return nested

    def matches(self, flow: Flow, context: Context) -> list[int] | None:
        """The branches the record goes to, or None when a predicate failed on it."""
        taken: list[int] = []
        for index, branch in enumerate(self.branches):
            if branch.predicate is not None:
                try:
                    hit = truthy(branch.predicate.search(flow.record))
                except FILTER_ERRORS as exc:
                    self.counts.failed += 1
                    context.fail(
                        flow.origin,
                        self.name,
                        f"branch {branch.name!r}: the predicate "
                        f"cannot be evaluated on this record: {exc}",
                        record=flow.record,
                    )
                    return None
                if not hit:
                    continue
            taken.append(index)
            if self.mode is RouteMode.FIRST:
                break
        return taken

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts = self.counts
        spools = [_Spool() for _ in self.branches]
        try:
            for flow in flows:
                counts.received += 1
                taken = self.matches(flow, context)
                if taken is None:
                    continue
                counts.emitted += max(len(taken), 1)
                counts.expanded += max(len(taken) - 1, 0)
                if not taken:
                    yield flow
                for index in taken:
                    spools[index].add(flow)
            for b, (branch, spool) in enumerate(zip(self.branches, spools, strict=True)):
                stream = spool.flows()
                for at, step in enumerate(branch.steps):
                    stream = self._joined(stream, b, at)
                    stream = step.run(stream, context)
                stream = self._joined(stream, b, len(branch.steps))
                if branch.branch.target is None:
                    yield from stream
                else:
                    self._write(branch, stream, context)
                spool.close()
        finally:
            for spool in spools:
                spool.close()

    def _joined(self, stream: Iterator[Flow], b: int, at: int) -> Iterator[Flow]:
        waiting = self._entering.pop((b, at), None)
        if not waiting:
            return stream
        return itertools.chain(stream, waiting)

    def _write(self, branch: BranchRuntime, stream: Iterator[Flow], context: Context) -> None:
        if context.open_branch_sink is None:
            raise ValueError(
                f"step {self.name!r}: branch {branch.name!r} has its own target, which only a "
                "run with an output can write"
            )
        sink = context.open_branch_sink(branch.branch)
        context.branch_sinks.append(sink)
        records: list[Record] = []
        origins: list[SourceItem] = []

        def flush() -> None:
            refused = sink.write_batch(records)
            context.branch_written += len(records)
            for reject in refused or ():
                context.branch_written -= 1
                context.fail(
                    origins[reject.index],
                    f"{self.name}/{branch.name}",
                    reject.reason,
                    field=reject.field,
                    record=records[reject.index],
                    kind="write",
                )
            records.clear()
            origins.clear()

        for flow in stream:
            records.append(flow.record)
            origins.append(flow.origin)
            if len(records) >= self.batch:
                flush()
        if records:
            flush()


def step_paths(steps: list[StepRuntime]) -> dict[str, tuple[int, ...]]:
    """Where each step a dead letter may name is: a top-level step's name → (index,); a
    step inside a route's branch (named route/branch/step, all levels) → (route index,
    branch, step index, …); a branch target (route/branch) → its branch's end."""
    paths: dict[str, tuple[int, ...]] = {}

    def walk(level: list[StepRuntime], prefix: tuple[int, ...]) -> None:
        for index, step in enumerate(level):
            here = (*prefix, index)
            paths.setdefault(step.name, here)
            if isinstance(step, RouteRuntime):
                for b, branch in enumerate(step.branches):
                    if branch.branch.target is not None:
                        end = (*here, b, len(branch.steps))
                        paths.setdefault(f"{step.name}/{branch.name}", end)
                    walk(branch.steps, (*here, b))

    walk(steps, ())
    return paths
