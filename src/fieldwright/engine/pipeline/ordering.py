"""Steps that hold records: sort (stable, spilling sorted runs beyond the budget)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from fieldwright.engine.pipeline.flow import Context, Flow, StepRuntime
from fieldwright.engine.pipeline.spill import ExternalSorter
from fieldwright.engine.pipeline.values import Descending, Getter, order_key

__all__ = ["SortRuntime", "sort_key"]


def sort_key(keys: list[tuple[Getter, bool]], record: Any) -> tuple[Any, ...]:
    """The order of a record by `keys` (getter, descending)."""
    return tuple(
        Descending(order_key(get(record))) if descending else order_key(get(record))
        for get, descending in keys
    )


class SortRuntime(StepRuntime):
    def __init__(self, name: str, keys: list[tuple[Getter, bool]], budget: int) -> None:
        super().__init__(name, "sort")
        self.keys = keys
        self.budget = budget
        #: Records written to temporary files by the last run (for tests and the bench).
        self.spilled = 0

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts, keys = self.counts, self.keys
        sorter = ExternalSorter(self.budget)
        try:
            for seq in itertools.count():
                flow = next(flows, None)
                if flow is None:
                    break
                counts.received += 1
                sorter.add((sort_key(keys, flow.record), seq, flow.origin, flow.record))
            self.spilled = sorter.spilled
            for _key, _seq, origin, record in sorter.sorted():
                counts.emitted += 1
                yield Flow(origin, record)
        finally:
            sorter.close()
