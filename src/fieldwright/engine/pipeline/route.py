"""The route step: records to named branches by predicate, each with its own steps.

Records no branch takes go on at once. A branch's records are spooled to a
temporary file (bounded memory) until the input ends; then each branch runs its
steps over them, in branch order, and its records go into the branch's own
target, or back into the stream after the route step. Under fan-out (`all`) a
record goes to every branch it matches: the copies beyond the first count as
expanded.
"""

from __future__ import annotations

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

__all__ = ["BranchRuntime", "RouteRuntime"]

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
            for branch, spool in zip(self.branches, spools, strict=True):
                stream = spool.flows()
                for step in branch.steps:
                    stream = step.run(stream, context)
                if branch.branch.target is None:
                    yield from stream
                else:
                    self._write(branch, stream, context)
                spool.close()
        finally:
            for spool in spools:
                spool.close()

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
