"""The aggregate step: one record per group, in the order groups first appear.

Groups live in a dict of partial states while they fit the budget. Beyond it
the partial states are sorted by group and spilled to a run file; at the end
the runs are merged group by group (states of one group combine: every
function's state is mergeable, first and last by sequence number), then put
back in the order the groups first appeared, through a second external sort.
Memory holds at most `budget` groups at any time, whatever the input's size.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

from fieldwright.domain.pipeline import AggregateFunction as Fn
from fieldwright.domain.records import Record, SourceItem
from fieldwright.engine.pipeline.flow import Chunk, Context, Flow, StepRuntime, chunked
from fieldwright.engine.pipeline.spill import ExternalSorter
from fieldwright.engine.pipeline.values import Getter, exact, identity, order_key

__all__ = ["AggregateRuntime", "Aggregator"]

_NUMERIC = (Fn.SUM, Fn.AVG)


class _NotANumber(ValueError):
    pass


class Aggregator:
    """One output field: how its state starts, grows, merges and ends."""

    def __init__(self, name: str, fn: Fn, path: str | None, get: Getter | None) -> None:
        self.name = name
        self.fn = fn
        self.path = path
        self.get = get
        #: `add` for this function, chosen once: the hot loop of a group's later records.
        self.fold: Callable[[Any, Any, int], Any] = self._fold()

    def _fold(self) -> Callable[[Any, Any, int], Any]:
        """What `add` computes, without building the state of one record and merging it."""
        fn = self.fn
        if fn is Fn.COUNT:
            if self.get is None:
                return lambda state, value, seq: state + 1
            return lambda state, value, seq: state if value is None else state + 1
        if fn in _NUMERIC:
            return lambda state, value, seq: (
                state
                if value is None
                else (state[0] + value[0], state[1] and value[1], state[2] + 1)
            )
        return self.add

    def read(self, record: Any) -> Any:
        """The value this aggregator takes from `record`; _NotANumber for a bad sum or avg."""
        if self.get is None:
            return None
        value = self.get(record)
        if self.fn in _NUMERIC and value is not None:
            number = exact(value)
            if number is None:
                raise _NotANumber(f"{self.fn.value} of {self.path}: {value!r} is not a number")
            return (number, isinstance(value, int) and not isinstance(value, bool))
        return value

    def start(self, value: Any, seq: int) -> Any:
        fn = self.fn
        if fn is Fn.COUNT:
            return 1 if self.get is None or value is not None else 0
        if fn in _NUMERIC:
            return (value[0], value[1], 1) if value is not None else (Decimal(0), True, 0)
        if fn in (Fn.MIN, Fn.MAX):
            return None if value is None else (order_key(value), value)
        if fn in (Fn.FIRST, Fn.LAST):
            return (seq, value)
        if fn is Fn.COLLECT:
            return [] if value is None else [(seq, value)]
        return set() if value is None else {order_key(value)}  # count_distinct

    def add(self, state: Any, value: Any, seq: int) -> Any:
        return self.merge(state, self.start(value, seq))

    def merge(self, a: Any, b: Any) -> Any:
        fn = self.fn
        if fn is Fn.COUNT:
            return a + b
        if fn in _NUMERIC:
            return (a[0] + b[0], a[1] and b[1], a[2] + b[2])
        if fn is Fn.MIN:
            return b if a is None or (b is not None and b[0] < a[0]) else a
        if fn is Fn.MAX:
            return b if a is None or (b is not None and b[0] > a[0]) else a
        if fn is Fn.FIRST:
            return a if a[0] <= b[0] else b
        if fn is Fn.LAST:
            return a if a[0] >= b[0] else b
        if fn is Fn.COLLECT:
            return a + b
        return a | b

    def final(self, state: Any) -> Any:
        fn = self.fn
        if fn is Fn.COUNT:
            return state
        if fn is Fn.SUM:
            total, integral, _n = state
            return int(total) if integral else float(total)
        if fn is Fn.AVG:
            total, _integral, n = state
            return float(total / n) if n else None
        if fn in (Fn.MIN, Fn.MAX):
            return None if state is None else state[1]
        if fn in (Fn.FIRST, Fn.LAST):
            return state[1]
        if fn is Fn.COLLECT:
            return [value for _seq, value in sorted(state, key=lambda pair: pair[0])]
        return len(state)


# A group's partial state: [first seq, origin of its first record, key values, states...]
_Group = list[Any]


class AggregateRuntime(StepRuntime):
    def __init__(
        self,
        name: str,
        keys: list[tuple[str, Getter]],
        aggregators: list[Aggregator],
        budget: int,
    ) -> None:
        super().__init__(name, "aggregate")
        self.keys = keys
        self.aggregators = aggregators
        self.budget = budget
        #: Partial groups written to temporary files by the last run.
        self.spilled = 0

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        return self._groups_of(((flow.origin, flow.record) for flow in flows), context)

    def run_chunks(self, chunks: Iterator[Chunk], context: Context) -> Iterator[Chunk]:
        pairs = (
            pair for chunk in chunks for pair in zip(chunk.origins, chunk.records, strict=True)
        )
        return chunked(self._groups_of(pairs, context), context.chunk_size)

    def _groups_of(
        self, pairs: Iterator[tuple[SourceItem, Record]], context: Context
    ) -> Iterator[Flow]:
        """The groups of the records (each with its origin), one flow per group."""
        counts, aggs = self.counts, self.aggregators
        getters = [get for _name, get in self.keys]
        folds = [agg.fold for agg in aggs]
        places = range(3, 3 + len(aggs))  # where each aggregator's state sits in a group
        groups: dict[Any, _Group] = {}
        runs: list[IO[bytes]] = []
        self.spilled = 0
        try:
            for seq, (origin, record) in enumerate(pairs):
                counts.received += 1
                try:
                    values = [agg.read(record) for agg in aggs]
                except _NotANumber as exc:
                    counts.failed += 1
                    context.fail(origin, self.name, str(exc), record=record)
                    continue
                key_values = tuple(get(record) for get in getters)
                ident = identity(key_values)
                group = groups.get(ident)
                if group is None:
                    states = [agg.start(v, seq) for agg, v in zip(aggs, values, strict=True)]
                    groups[ident] = [seq, origin, key_values, *states]
                    if len(groups) >= self.budget:
                        runs.append(self._spill(groups))
                        groups = {}
                else:
                    counts.merged += 1
                    for index, fold, value in zip(places, folds, values, strict=True):
                        group[index] = fold(group[index], value, seq)
            for group in self._groups(groups, runs):
                counts.emitted += 1
                yield Flow(group[1], self._output(group))
        finally:
            for handle in runs:
                handle.close()

    def _output(self, group: _Group) -> dict[str, Any]:
        out = {name: value for (name, _get), value in zip(self.keys, group[2], strict=True)}
        for index, agg in enumerate(self.aggregators, 3):
            out[agg.name] = agg.final(group[index])
        return out

    def _spill(self, groups: dict[Any, _Group]) -> IO[bytes]:
        handle = tempfile.TemporaryFile(prefix="fieldwright-aggregate-")  # noqa: SIM115
        for ident in sorted(groups):
            pickle.dump((ident, groups[ident]), handle, pickle.HIGHEST_PROTOCOL)
        handle.flush()
        self.spilled += len(groups)
        return handle

    def _groups(self, groups: dict[Any, _Group], runs: list[IO[bytes]]) -> Iterator[_Group]:
        if not runs:  # all in memory: the dict keeps the order groups first appeared in
            yield from groups.values()
            return
        merged = self._merged(groups, runs)
        # Merged groups come in key order; put them back in first-appearance order.
        sorter = ExternalSorter(self.budget)
        try:
            for group in merged:
                sorter.add((group[0], 0, group))
            for _seq, _zero, group in sorter.sorted():
                yield group
        finally:
            sorter.close()

    def _merged(self, groups: dict[Any, _Group], runs: list[IO[bytes]]) -> Iterator[_Group]:
        memory = sorted(groups.items(), key=lambda pair: pair[0])
        streams = [_read(handle) for handle in runs]
        current: tuple[Any, _Group] | None = None
        combine: Callable[[_Group, _Group], _Group] = self._combine
        for ident, group in heapq.merge(*streams, memory, key=lambda pair: pair[0]):
            if current is not None and current[0] == ident:
                # Two partial groups of one: the record that started the later part is
                # folded into the group now.
                self.counts.merged += 1
                current = (ident, combine(current[1], group))
                continue
            if current is not None:
                yield current[1]
            current = (ident, group)
        if current is not None:
            yield current[1]

    def _combine(self, a: _Group, b: _Group) -> _Group:
        first = a if a[0] <= b[0] else b
        out = [first[0], first[1], first[2]]
        for index, agg in enumerate(self.aggregators, 3):
            out.append(agg.merge(a[index], b[index]))
        return out


def _read(handle: IO[bytes]) -> Iterator[tuple[Any, _Group]]:
    handle.seek(0)
    while True:
        try:
            yield pickle.load(handle)
        except EOFError:
            return
