"""What moves between pipeline steps, what each step counts, and where failures go."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fieldwright.domain.pipeline import Branch
from fieldwright.domain.records import Record, RecordSink, SourceItem
from fieldwright.domain.runs import DeadLetter

__all__ = ["CHUNK", "Chunk", "Context", "FailFast", "Flow", "StepCounts", "StepRuntime", "chunked"]

#: Records a step hands on together on a run's chunked path (`StepRuntime.run_chunks`).
CHUNK = 64


@dataclass(slots=True)
class Flow:
    """A record on its way through the steps, with the source item it came from."""

    origin: SourceItem
    record: Record


@dataclass(slots=True)
class Chunk:
    """Records on their way through the steps together, each with the source item it
    came from (`origins[i]` is the origin of `records[i]`): a run's chunked path."""

    origins: list[SourceItem]
    records: list[Record]


def chunked(flows: Iterator[Flow], size: int = CHUNK) -> Iterator[Chunk]:
    """Flows, `size` at a time, as chunks."""
    while block := list(itertools.islice(flows, size)):
        yield Chunk([flow.origin for flow in block], [flow.record for flow in block])


def _flows(chunks: Iterator[Chunk]) -> Iterator[Flow]:
    for chunk in chunks:
        yield from map(Flow, chunk.origins, chunk.records)


@dataclass(slots=True)
class StepCounts:
    """What one step did. Conservation: received + expanded = emitted + failed + filtered + merged.

    `expanded` counts the records an unwind made beyond one per input; `merged`
    the records an aggregate or a dedupe folded into another.
    """

    name: str
    type: str
    received: int = 0
    emitted: int = 0
    failed: int = 0
    filtered: int = 0
    merged: int = 0
    expanded: int = 0

    @property
    def balanced(self) -> bool:
        return (
            self.received + self.expanded
            == self.emitted + self.failed + self.filtered + self.merged
        )


class FailFast(Exception):
    """Raised under fail_fast at the first failed record; the run stops."""


class Context:
    """Shared by the steps of one run: dead letters, and whether a failure stops the run."""

    def __init__(
        self,
        on_dead_letter: Callable[[DeadLetter], None] | None,
        *,
        fail_fast: bool,
        open_branch_sink: Callable[[Branch], RecordSink] | None = None,
        chunk_size: int = CHUNK,
    ) -> None:
        self._sink = on_dead_letter
        self._sequence = itertools.count(1)
        self.fail_fast = fail_fast
        self.failed = 0
        self.open_branch_sink = open_branch_sink
        #: The sinks of route branches with their own target, opened during the run; they
        #: commit with the run's output, or are aborted with it.
        self.branch_sinks: list[RecordSink] = []
        #: Records written to branch targets.
        self.branch_written = 0
        #: About how many records a step hands on together on the chunked path.
        self.chunk_size = chunk_size

    def fail(
        self,
        origin: SourceItem,
        step: str | None,
        reason: str,
        *,
        field: str | None = None,
        record: Record | None = None,
        kind: str = "step",
    ) -> None:
        """A record failed at `step` (None: before the steps, as read): keep its dead letter."""
        self.failed += 1
        now = datetime.now(UTC)
        where = f"step {step!r}: " if step is not None else ""
        letter = DeadLetter.model_construct(
            error_id=f"err_{kind}_{int(now.timestamp() * 1000)}_{next(self._sequence):06d}",
            position=origin.position.as_dict(),
            position_text=str(origin.position),
            field=field,
            step=step,
            reason=where + reason,
            input=record if record is not None else origin.record,
            raw=origin.raw,
            occurred_at=now,
        )
        if self._sink is not None:
            self._sink(letter)
        if self.fail_fast:
            raise FailFast(f"{origin.position}: {where}{reason}")


class StepRuntime:
    """A compiled step: `run` turns the stream of flows into the next stream."""

    name: str
    type: str

    def __init__(self, name: str, type: str) -> None:
        self.name = name
        self.type = type
        self.counts = StepCounts(name, type)

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        raise NotImplementedError  # pragma: no cover - every step defines it

    def run_chunks(self, chunks: Iterator[Chunk], context: Context) -> Iterator[Chunk]:
        """`run` over chunks: the same records, counts and dead letters. A step that works
        a chunk at a time overrides it; this one hands `run` the records one by one."""
        return chunked(self.run(_flows(chunks), context), context.chunk_size)

    def reset(self) -> None:
        self.counts = StepCounts(self.name, self.type)
        for child in self.children():
            child.reset()

    def children(self) -> list[StepRuntime]:
        """The steps inside this one (a route's branches), in order, all levels down."""
        return []

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type}
