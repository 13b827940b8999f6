"""Enrich with `mode: lookup`: keys asked a batch at a time, a bounded cache, failed lookups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from pydantic import ValidationError

from fieldwright.domain.pipeline import EnrichStep
from fieldwright.domain.records import Record
from fieldwright.engine.pipeline import PipelineResolver
from fieldwright.engine.pipeline.values import getter
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
