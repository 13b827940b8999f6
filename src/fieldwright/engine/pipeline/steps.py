"""The one-record-at-a-time steps: map, filter, validate, unwind, enrich, dedupe."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, cast

from fieldwright.domain.pipeline import EnrichStep, JoinKind, Keep, NoMatch
from fieldwright.domain.records import Record, SourceItem
from fieldwright.engine.compiler import FILTER_ERRORS, CompiledMapping
from fieldwright.engine.functions._expressions import BoundedExpression
from fieldwright.engine.pipeline.flow import Chunk, Context, Flow, StepRuntime
from fieldwright.engine.pipeline.values import Getter, identity, join_key
from fieldwright.engine.results import RecordResult, RecordStatus
from fieldwright.engine.rules import Check

__all__ = [
    "DedupeRuntime",
    "EnrichRuntime",
    "FieldChecks",
    "FilterRuntime",
    "MapRuntime",
    "PartnerLookup",
    "UnwindRuntime",
    "ValidateRuntime",
    "truthy",
]

#: Records a map step maps together on the record-by-record path, as the mapping run
#: loop does (engine/run.py); the chunked path maps each chunk it is given.
MAP_CHUNK = 64


class MapRuntime(StepRuntime):
    def __init__(self, name: str, compiled: CompiledMapping) -> None:
        super().__init__(name, "map")
        self.compiled = compiled

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts = self.counts
        while chunk := list(itertools.islice(flows, MAP_CHUNK)):
            counts.received += len(chunk)
            outputs, others = self.compiled.map_chunk([f.record for f in chunk])
            if None not in outputs:  # every record mapped: no result to look into
                counts.emitted += len(chunk)
                yield from map(Flow, [f.origin for f in chunk], cast("list[Record]", outputs))
                continue
            for index, flow in enumerate(chunk):
                output = outputs[index]
                if output is None:
                    output = self._settled(others[index], flow.origin, flow.record, context)
                    if output is None:
                        continue
                counts.emitted += 1
                yield Flow(flow.origin, output)

    def _settled(
        self, result: RecordResult, origin: SourceItem, record: Record, context: Context
    ) -> Record | None:
        """What a record the chunk did not map cleanly becomes: None when it was filtered or
        failed (counted; a failure kept with `record`, the step's input), else the output
        `on_error` recovered."""
        if result.status is RecordStatus.FILTERED:
            self.counts.filtered += 1
            return None
        if result.status is RecordStatus.FAILED:
            self.counts.failed += 1
            failure = result.failures[0]
            context.fail(origin, self.name, result.reason(), field=failure.target, record=record)
            return None
        output = result.output
        assert output is not None  # OK: on_error recovered a field
        return output

    def run_chunks(self, chunks: Iterator[Chunk], context: Context) -> Iterator[Chunk]:
        counts = self.counts
        for chunk in chunks:
            counts.received += len(chunk.records)
            outputs, others = self.compiled.map_chunk(chunk.records)
            if None not in outputs:  # every record mapped: no result to look into
                counts.emitted += len(outputs)
                yield Chunk(chunk.origins, cast("list[Record]", outputs))
                continue
            origins: list[SourceItem] = []
            records: list[Record] = []
            for index, output in enumerate(outputs):
                origin = chunk.origins[index]
                if output is None:
                    output = self._settled(others[index], origin, chunk.records[index], context)
                    if output is None:
                        continue
                counts.emitted += 1
                origins.append(origin)
                records.append(output)
            if records:
                yield Chunk(origins, records)


def truthy(value: Any) -> bool:
    """JMESPath truthiness, as the mapping filter: false, null and empty text, lists and
    objects are false."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and not value)


class FilterRuntime(StepRuntime):
    def __init__(self, name: str, predicate: BoundedExpression) -> None:
        super().__init__(name, "filter")
        self.predicate = predicate

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts = self.counts
        for flow in flows:
            counts.received += 1
            try:
                kept = truthy(self.predicate.search(flow.record))
            except FILTER_ERRORS as exc:
                counts.failed += 1
                context.fail(
                    flow.origin,
                    self.name,
                    f"the predicate cannot be evaluated on this record: {exc}",
                    record=flow.record,
                )
                continue
            if kept:
                counts.emitted += 1
                yield flow
            else:
                counts.filtered += 1

    def run_chunks(self, chunks: Iterator[Chunk], context: Context) -> Iterator[Chunk]:
        counts, search = self.counts, self.predicate.search
        for chunk in chunks:
            counts.received += len(chunk.records)
            origins: list[SourceItem] = []
            records: list[Record] = []
            for origin, record in zip(chunk.origins, chunk.records, strict=True):
                try:
                    kept = truthy(search(record))
                except FILTER_ERRORS as exc:
                    counts.failed += 1
                    context.fail(
                        origin,
                        self.name,
                        f"the predicate cannot be evaluated on this record: {exc}",
                        record=record,
                    )
                    continue
                if kept:
                    origins.append(origin)
                    records.append(record)
                else:
                    counts.filtered += 1
            counts.emitted += len(records)
            if records:
                yield Chunk(origins, records)


#: One field check of a validate step: its path, its reader, required, its rules.
FieldChecks = tuple[str, Getter, bool, list[Check]]


class ValidateRuntime(StepRuntime):
    def __init__(self, name: str, checks: list[FieldChecks]) -> None:
        super().__init__(name, "validate")
        self.checks = checks

    def _problem(self, record: Any) -> tuple[str, str] | None:
        for path, get, required, rules in self.checks:
            value = get(record)
            if value is None:
                if required:
                    return path, "required value is missing"
                continue
            for check in rules:
                if (reason := check(value)) is not None:
                    return path, reason
        return None

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts = self.counts
        for flow in flows:
            counts.received += 1
            problem = self._problem(flow.record)
            if problem is None:
                counts.emitted += 1
                yield flow
                continue
            counts.failed += 1
            context.fail(
                flow.origin,
                self.name,
                f"{problem[0]}: {problem[1]}",
                field=problem[0],
                record=flow.record,
            )

    def run_chunks(self, chunks: Iterator[Chunk], context: Context) -> Iterator[Chunk]:
        counts, problem_of = self.counts, self._problem
        for chunk in chunks:
            counts.received += len(chunk.records)
            origins: list[SourceItem] = []
            records: list[Record] = []
            for origin, record in zip(chunk.origins, chunk.records, strict=True):
                problem = problem_of(record)
                if problem is None:
                    origins.append(origin)
                    records.append(record)
                    continue
                counts.failed += 1
                context.fail(
                    origin,
                    self.name,
                    f"{problem[0]}: {problem[1]}",
                    field=problem[0],
                    record=record,
                )
            counts.emitted += len(records)
            if records:
                yield Chunk(origins, records)


def _carrier(carry: list[tuple[str, Getter]]) -> Callable[[Record], dict[str, Any]]:
    """The carried fields of a record, `{name: get(record), …}`, as one generated function
    (a dict display instead of a comprehension per record). The names and getters are
    bound as globals k<n> and g<n>: no text of the pipeline is in its source."""
    scope: dict[str, Any] = {}
    members = []
    for number, (name, get) in enumerate(carry):
        scope[f"k{number}"], scope[f"g{number}"] = name, get
        members.append(f"k{number}: g{number}(record)")
    source = f"def head(record):\n    return {{{', '.join(members)}}}\n"
    exec(compile(source, "<fieldwright unwind carry>", "exec"), scope)
    head: Callable[[Record], dict[str, Any]] = scope["head"]
    return head


class _NotUnwound(Exception):
    """A record an unwind step cannot unwind; the message says why."""


class UnwindRuntime(StepRuntime):
    def __init__(
        self,
        name: str,
        path: str,
        array: Getter,
        carry: list[tuple[str, Getter]],
        into: str | None,
        position: str | None,
        base: int,
        keep_empty: bool,
    ) -> None:
        super().__init__(name, "unwind")
        self.path = path
        self.array = array
        self.carry = carry
        self.into = into
        self.position = position
        self.base = base
        self.keep_empty = keep_empty
        self.head = _carrier(carry)

    def expand(self, record: Record) -> list[Record]:
        """The records `record` unwinds into, one per item ([] when it has no items and
        empty arrays are not kept); _NotUnwound when it cannot be unwound."""
        items = self.array(record)
        into, position = self.into, self.position
        if items is None or items == []:
            if not self.keep_empty:
                return []
            head = self.head(record)
            if into is not None:
                head[into] = None
            return [head]
        if not isinstance(items, list):
            raise _NotUnwound(f"{self.path} is not an array (got {type(items).__name__})")
        head = self.head(record)
        if into is not None:
            if position is None:
                return [{**head, into: item} for item in items]
            return [{**head, position: n, into: item} for n, item in enumerate(items, self.base)]
        # Items that are objects are merged into the carried fields; the first one that is
        # not fails the record (the comprehension leaves it out: fewer records than items).
        if position is None:
            outs = [{**head, **item} for item in items if type(item) is dict]
        else:
            outs = [
                {**head, position: n, **item}
                for n, item in enumerate(items, self.base)
                if type(item) is dict
            ]
        if len(outs) != len(items):
            index = next(i for i, item in enumerate(items) if type(item) is not dict)
            raise _NotUnwound(
                f"item {index} of {self.path} is not an object; set `into` to keep "
                "items that are not objects under a name"
            )
        return outs

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts = self.counts
        for flow in flows:
            counts.received += 1
            try:
                outs = self.expand(flow.record)
            except _NotUnwound as exc:
                counts.failed += 1
                context.fail(flow.origin, self.name, str(exc), field=self.path, record=flow.record)
                continue
            if not outs:
                counts.filtered += 1
                continue
            counts.expanded += len(outs) - 1
            counts.emitted += len(outs)
            origin = flow.origin
            for out in outs:
                yield Flow(origin, out)

    def run_chunks(self, chunks: Iterator[Chunk], context: Context) -> Iterator[Chunk]:
        """Each chunk's records unwound, handed on about `context.chunk_size` records at a
        time (a chunk of records with long arrays is not held whole)."""
        counts, expand, size = self.counts, self.expand, context.chunk_size
        origins: list[SourceItem] = []
        records: list[Record] = []
        for chunk in chunks:
            counts.received += len(chunk.records)
            for origin, record in zip(chunk.origins, chunk.records, strict=True):
                try:
                    outs = expand(record)
                except _NotUnwound as exc:
                    counts.failed += 1
                    context.fail(origin, self.name, str(exc), field=self.path, record=record)
                    continue
                if not outs:
                    counts.filtered += 1
                    continue
                counts.expanded += len(outs) - 1
                records += outs
                origins += [origin] * len(outs)
                if len(records) >= size:
                    counts.emitted += len(records)
                    yield Chunk(origins, records)
                    origins, records = [], []
        if records:
            counts.emitted += len(records)
            yield Chunk(origins, records)


class PartnerLookup(Protocol):
    """A second source asked for keys a batch at a time (a SQL table, an HTTP endpoint)."""

    def fetch(self, keys: Sequence[tuple[Any, ...]]) -> tuple[list[Record], dict[int, str]]:
        """The records found for `keys` (matched back by the caller), and the reason per
        key (its index) whose lookup failed; such a key's records fail, the run goes on."""
        ...

    def close(self) -> None: ...


class _Cache:
    """The answers (a partner or None) of the keys looked up last, at most `size` keys."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Any, dict[str, Any] | None] = OrderedDict()

    def get(self, key: Any) -> tuple[bool, dict[str, Any] | None]:
        if key not in self._entries:
            return False, None
        self._entries.move_to_end(key)
        return True, self._entries[key]

    def put(self, key: Any, partner: dict[str, Any] | None) -> None:
        if self.size <= 0:
            return
        self._entries[key] = partner
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class EnrichRuntime(StepRuntime):
    """Joins each record with the first record of a second source having the same keys:
    read once and indexed (`read_partner`), or looked up a batch at a time (`open_lookup`)."""

    def __init__(
        self,
        step: EnrichStep,
        left: list[Getter],
        right: list[Getter],
        fields: list[tuple[str, Getter]],
        read_partner: Callable[[], Iterable[SourceItem]] | None,
        open_lookup: Callable[[], PartnerLookup] | None = None,
    ) -> None:
        super().__init__(step.name, "enrich")
        self.step = step
        self.left = left
        self.right = right
        self.fields = fields
        self.read_partner = read_partner
        self.open_lookup = open_lookup
        self.index: dict[Any, dict[str, Any]] | None = None
        self.cache = _Cache(step.cache_size)
        #: Batches of keys sent to the lookup this run.
        self.lookups = 0

    def reset(self) -> None:
        super().reset()
        self.index = None  # each run reads the source again
        self.cache = _Cache(self.step.cache_size)
        self.lookups = 0

    def _build_index(self) -> dict[Any, dict[str, Any]]:
        assert self.read_partner is not None
        index: dict[Any, dict[str, Any]] = {}
        for item in self.read_partner():
            if item.record is None:
                raise ValueError(
                    f"step {self.name!r}: the enrich source {item.position}: "
                    f"{item.error or 'the record cannot be read'}"
                )
            key = join_key(tuple(get(item.record) for get in self.right))
            if key is not None:
                index.setdefault(key, item.record)
        return index

    def _partner_fields(self, partner: dict[str, Any]) -> dict[str, Any]:
        if not self.fields:
            return dict(partner)
        return {name: get(partner) for name, get in self.fields}

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        if self.open_lookup is not None:
            yield from self._run_lookup(flows, context)
            return
        for flow in flows:
            if self.index is None:
                self.index = self._build_index()  # the source is read once, on first use
            values = tuple(get(flow.record) for get in self.left)
            key = join_key(values)
            partner = None if key is None else self.index.get(key)
            yield from self._join(flow, values, partner, context)

    def _run_lookup(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        """Records a batch at a time: the keys the cache does not know are looked up
        together, the answers (found or not) cached; a key whose lookup failed fails
        its records (the reason names the status and URL) and is not cached."""
        assert self.open_lookup is not None
        lookup: PartnerLookup | None = None
        size = self.step.batch_size
        try:
            while batch := list(itertools.islice(flows, size)):
                values = [tuple(get(flow.record) for get in self.left) for flow in batch]
                keys = [join_key(v) for v in values]
                asked: dict[Any, int] = {}
                wanted: list[tuple[Any, ...]] = []
                #: The batch's answers: cached ones taken now (the cache may drop them
                #: while this batch's answers go in), then those looked up.
                known: dict[Any, dict[str, Any] | None] = {}
                for key, given in zip(keys, values, strict=True):
                    if key is None or key in asked or key in known:
                        continue
                    cached, partner = self.cache.get(key)
                    if cached:
                        known[key] = partner
                    else:
                        asked[key] = len(wanted)
                        wanted.append(given)
                answers: dict[Any, dict[str, Any]] = {}
                failures: dict[Any, str] = {}
                if wanted:
                    if lookup is None:
                        lookup = self.open_lookup()
                    self.lookups += 1
                    found, failed = lookup.fetch(wanted)
                    for record in found:
                        key = join_key(tuple(get(record) for get in self.right))
                        if key is not None:
                            answers.setdefault(key, record)
                    by_index = {index: key for key, index in asked.items()}
                    failures = {by_index[i]: reason for i, reason in failed.items()}
                    for key in asked:
                        if key not in failures:
                            self.cache.put(key, answers.get(key))
                for flow, key, given in zip(batch, keys, values, strict=True):
                    if key in failures:
                        self.counts.received += 1
                        self.counts.failed += 1
                        context.fail(
                            flow.origin,
                            self.name,
                            f"looking up {self._keys(given)} failed: {failures[key]}",
                            field=next(iter(self.step.on)),
                            record=flow.record,
                        )
                        continue
                    partner = None
                    if key is not None:
                        partner = answers[key] if key in answers else known.get(key)
                    yield from self._join(flow, given, partner, context)
        finally:
            if lookup is not None:
                lookup.close()

    def _keys(self, values: tuple[Any, ...]) -> str:
        return ", ".join(f"{p} = {v!r}" for p, v in zip(self.step.on, values, strict=True))

    def _join(
        self,
        flow: Flow,
        values: tuple[Any, ...],
        partner: dict[str, Any] | None,
        context: Context,
    ) -> Iterator[Flow]:
        counts, step = self.counts, self.step
        counts.received += 1
        if partner is None:
            if step.how is JoinKind.INNER:
                counts.filtered += 1
                return
            if step.no_match is NoMatch.DEAD_LETTER:
                counts.failed += 1
                context.fail(
                    flow.origin,
                    self.name,
                    f"no record of the enrich source has {self._keys(values)}",
                    field=next(iter(step.on)),
                    record=flow.record,
                )
                return
            added: dict[str, Any] | None = (
                dict(step.defaults) if step.no_match is NoMatch.DEFAULT else None
            )
        else:
            added = self._partner_fields(partner)
        record = dict(flow.record)
        if step.into is not None:
            record[step.into] = added
        elif added:
            record.update(added)
        counts.emitted += 1
        yield Flow(flow.origin, record)


class DedupeRuntime(StepRuntime):
    """One record per key. Keeping the first streams; keeping the last holds one record per
    key until the input ends, then gives them in the order they were last seen."""

    def __init__(self, name: str, keys: list[Getter], keep: Keep) -> None:
        super().__init__(name, "dedupe")
        self.keys = keys
        self.keep = keep

    def run(self, flows: Iterator[Flow], context: Context) -> Iterator[Flow]:
        counts = self.counts
        if self.keep is Keep.FIRST:
            seen: set[Any] = set()
            for flow in flows:
                counts.received += 1
                key = identity(tuple(get(flow.record) for get in self.keys))
                if key in seen:
                    counts.merged += 1
                    continue
                seen.add(key)
                counts.emitted += 1
                yield flow
            return
        last: dict[Any, tuple[int, Flow]] = {}
        for seq, flow in enumerate(flows):
            counts.received += 1
            key = identity(tuple(get(flow.record) for get in self.keys))
            if key in last:
                counts.merged += 1
            last[key] = (seq, flow)
        for _seq, flow in sorted(last.values(), key=lambda pair: pair[0]):
            counts.emitted += 1
            yield flow
