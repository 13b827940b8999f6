"""`execute_pipeline(entry=…)`: a record enters at the step it failed at (a reprocess of a
pipeline run's dead letters), or straight at the sink; counts still balance per step."""

from __future__ import annotations

from fieldwright.domain.records import SourceItem
from tests.engine.pipeline.kit import pipeline, run

DOCUMENT = pipeline(
    {"name": "big", "type": "filter", "predicate": "n > `1`"},
    {"name": "valid", "type": "validate", "checks": [{"field": "$.n", "max": 10}]},
    {"name": "order", "type": "sort", "keys": [{"field": "$.n"}]},
)


def test_each_record_enters_at_its_step_and_the_counts_balance() -> None:
    records = [{"n": 5}, {"n": 0}, {"n": 50}, {"n": 3}]
    # n=5 from the start; n=0 at `valid` (past the filter it would fail); n=50 at `order`
    # (past the check it would fail); n=3 straight to the sink (after the sort).
    starts = {5: 0, 0: 1, 50: 2, 3: 3}

    def entry(item: SourceItem) -> int:
        assert item.record is not None
        return starts[item.record["n"]]

    ran = run(DOCUMENT, records, entry=entry)
    assert ran.counts.read == 4 and ran.counts.failed == 0 and ran.counts.filtered == 0
    # The sort saw what entered before it: 5 (from the start), 0 and 50; then 3 came after.
    assert ran.output == [{"n": 0}, {"n": 5}, {"n": 50}, {"n": 3}]
    assert (ran.step("big").received, ran.step("valid").received) == (1, 2)
    assert ran.step("order").received == 3


def test_without_entry_every_record_starts_at_the_first_step() -> None:
    ran = run(DOCUMENT, [{"n": 0}, {"n": 5}, {"n": 50}])
    assert (ran.counts.filtered, ran.counts.failed, ran.output) == (1, 1, [{"n": 5}])
