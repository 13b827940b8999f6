"""Enrich with `mode: lookup`: keys asked a batch at a time, a bounded cache, failed lookups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fieldwright.domain.pipeline import EnrichStep
from fieldwright.domain.records import Position, Record, SourceItem
from fieldwright.engine.pipeline import PipelineResolver
from fieldwright.engine.pipeline.values import getter, join_key
from tests.engine.pipeline.kit import pipeline, run

PEOPLE = {"1": {"id": "1", "name": "Ada"}, "2": {"id": "2", "name": "Grace"}, "5": None}


class FakeLookup:
    """Answers from PEOPLE; a key listed in `broken` fails with its reason."""

    def __init__(self, broken: dict[str, str] | None = None) -> None:
        self.batches: list[list[tuple[Any, ...]]] = []
        self.broken = broken or {}
        self.closed = 0

    def fetch(self, keys: Sequence[tuple[Any, ...]]) -> tuple[list[Record], dict[int, str]]:
        self.batches.append(list(keys))
        found: list[Record] = []
        failed: dict[int, str] = {}
        for index, (key,) in enumerate(keys):
            text = str(key)
            if text in self.broken:
                failed[index] = self.broken[text]
            elif PEOPLE.get(text) is not None:
                found.append(dict(PEOPLE[text] or {}))
        return found, failed

    def close(self) -> None:
        self.closed += 1


def _step(**options: Any) -> dict[str, Any]:
    return {
        "name": "who",
        "type": "enrich",
        "source": {"kind": "sql", "settings": {"url": "sqlite://", "table": "people"}},
        "on": {"$.emp": "$.id"},
        "mode": "lookup",
        **options,
    }


def _resolver(lookup: FakeLookup) -> PipelineResolver:
    return PipelineResolver(lookup=lambda _step: lookup)


def test_keys_are_looked_up_in_batches_once_each_with_the_cache() -> None:
    records = [{"emp": n % 3 + 1} for n in range(7)] + [{"emp": 1.0}, {"x": 0}]
    fake = FakeLookup()
    ran = run(pipeline(_step(batch_size=4, fields={"name": "$.name"})), records, _resolver(fake))
    # batch 1 asks 1, 2, 3 (the fourth record repeats 1); later batches find them cached
    assert fake.batches == [[(1,), (2,), (3,)]]
    assert [r.get("name") for r in ran.output] == [
        "Ada",
        "Grace",
        None,
        "Ada",
        "Grace",
        None,
        "Ada",
        "Ada",  # 1.0 is the key 1
        None,
    ]
    assert fake.closed == 1
    assert ran.step("who").received == 9 and ran.step("who").emitted == 9


def test_a_cache_of_one_key_asks_again_for_keys_it_evicted() -> None:
    records = [{"emp": 1}, {"emp": 2}, {"emp": 1}, {"emp": 2}]
    fake = FakeLookup()
    run(pipeline(_step(batch_size=1, cache_size=1)), records, _resolver(fake))
    assert fake.batches == [[(1,)], [(2,)], [(1,)], [(2,)]]
    fake = FakeLookup()
    run(pipeline(_step(batch_size=1, cache_size=2)), records, _resolver(fake))
    assert fake.batches == [[(1,)], [(2,)]]


def test_no_match_policies_and_a_failed_lookup_naming_the_step() -> None:
    records = [{"emp": 1}, {"emp": 5}, {"emp": 9}, {"emp": 2}]
    fake = FakeLookup(broken={"9": "http://h/people/9: lookup: HTTP 500 (boom)"})
    ran = run(pipeline(_step(no_match="dead_letter")), records, _resolver(fake))
    assert [r["name"] for r in ran.output] == ["Ada", "Grace"]
    reasons = [letter.reason for letter in ran.letters]
    assert reasons == [
        "step 'who': no record of the enrich source has $.emp = 5",
        "step 'who': looking up $.emp = 9 failed: http://h/people/9: lookup: HTTP 500 (boom)",
    ]
    assert all(letter.step == "who" for letter in ran.letters)
    counts = ran.step("who")
    assert (counts.received, counts.emitted, counts.failed) == (4, 2, 2)
    ran = run(
        pipeline(_step(no_match="default", defaults={"name": "?"}, fields={"name": "$.name"})),
        records,
        _resolver(FakeLookup()),
    )
    assert [r["name"] for r in ran.output] == ["Ada", "?", "?", "Grace"]
    ran = run(pipeline(_step(how="inner")), records, _resolver(FakeLookup()))
    assert [r["emp"] for r in ran.output] == [1, 2] and ran.step("who").filtered == 2


def test_a_cached_answer_dropped_by_the_same_batchs_answers_still_serves_the_batch() -> None:
    # batch 2 holds 1 (cached by batch 1) and 2 (looked up): caching 2 drops 1 from a
    # cache of one key, and the record with 1 still gets its partner.
    records = [{"emp": 1}, {"emp": 1}, {"emp": 2}]
    fake = FakeLookup()
    ran = run(pipeline(_step(batch_size=2, cache_size=1)), [records[0], *records], _resolver(fake))
    assert fake.batches == [[(1,)], [(2,)]]
    assert [r.get("name") for r in ran.output] == ["Ada", "Ada", "Ada", "Grace"]


def test_a_failed_key_is_asked_again_not_cached() -> None:
    fake = FakeLookup(broken={"9": "down"})
    run(pipeline(_step(batch_size=1)), [{"emp": 9}, {"emp": 9}], _resolver(fake))
    assert fake.batches == [[(9,)], [(9,)]]


def test_lookup_mode_needs_sql_or_http_and_http_keys_in_the_url_or_a_batch_parameter() -> None:
    csv = {"kind": "csv", "settings": {"path": "p.csv"}}
    with pytest.raises(ValidationError, match="mode lookup looks keys up in a SQL table"):
        EnrichStep.model_validate(_step(source=csv))
    http = {"kind": "http", "settings": {"url": "https://h/people"}}
    with pytest.raises(ValidationError, match=r"names its keys in the URL \(\{id\}\)"):
        EnrichStep.model_validate(_step(source=http))
    http = {"kind": "http", "settings": {"url": "https://h/people/{user}"}}
    with pytest.raises(ValidationError, match=r"placeholder \{user\} is not a key"):
        EnrichStep.model_validate(_step(source=http))
    with pytest.raises(ValidationError, match="records_path, batch_param and max_requests"):
        EnrichStep.model_validate(_step(records_path="$.data"))
    ok = EnrichStep.model_validate(
        _step(source={"kind": "http", "settings": {"url": "https://h/p/{id}"}})
    )
    assert ok.batch_size == 500 and getter("$.id")({"id": 3}) == 3


class ListLookup:
    """A lookup over a list of partner records, as a database would answer: every record
    whose key (by the enrich step's key text) is one of those asked."""

    def __init__(self, partners: list[Record]) -> None:
        self.partners = partners
        self.asked = 0

    def fetch(self, keys: Sequence[tuple[Any, ...]]) -> tuple[list[Record], dict[int, str]]:
        self.asked += len(keys)
        wanted = {join_key(key) for key in keys}
        return [p for p in self.partners if join_key((p.get("id"),)) in wanted], {}

    def close(self) -> None:
        return None


KEYS = st.one_of(st.none(), st.integers(0, 6), st.sampled_from(["1", "2", "x", 3.0]))


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(st.fixed_dictionaries({"emp": KEYS, "n": st.integers()}), max_size=30),
    partners=st.lists(
        st.fixed_dictionaries({"id": KEYS, "name": st.sampled_from(["a", "b", "c"])}), max_size=8
    ),
    batch=st.integers(1, 7),
    cache=st.integers(0, 5),
    policy=st.sampled_from([{"no_match": "keep"}, {"no_match": "dead_letter"}, {"how": "inner"}]),
)
def test_lookup_gives_what_reading_the_source_whole_gives(
    records: list[Record],
    partners: list[Record],
    batch: int,
    cache: int,
    policy: dict[str, str],
) -> None:
    """On random keys, partners, batch and cache sizes: the same records, dead letters and
    counts as mode index (the first partner of a key wins in both)."""
    items = [SourceItem(Position(row=n), p) for n, p in enumerate(partners, 1)]
    index = run(
        pipeline({**_step(**policy), "mode": "index"}),
        records,
        PipelineResolver(partner=lambda _step: items),
    )
    fake = ListLookup(partners)
    lookup = run(
        pipeline(_step(batch_size=batch, cache_size=cache, **policy)), records, _resolver(fake)
    )
    assert lookup.output == index.output
    assert [d.reason for d in lookup.letters] == [d.reason for d in index.letters]
    assert lookup.step("who") == index.step("who")
    keys = [k for k in (join_key((r["emp"],)) for r in records) if k is not None]
    assert fake.asked <= len(keys)  # never more keys than records with one
