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


ROUTED = pipeline(
    {
        "name": "split",
        "type": "route",
        "branches": [
            {
                "name": "big",
                "when": "n > `10`",
                "steps": [
                    {"name": "halve", "type": "filter", "predicate": "n > `20`"},
                    {
                        "name": "inner",
                        "type": "route",
                        "branches": [
                            {
                                "name": "huge",
                                "when": "n > `100`",
                                "steps": [
                                    {"name": "order", "type": "sort", "keys": [{"field": "$.n"}]}
                                ],
                            }
                        ],
                    },
                ],
            }
        ],
    },
    {"name": "order", "type": "sort", "keys": [{"field": "$.n"}]},
)


def test_a_record_enters_a_routes_branch_part_way_even_a_nested_one() -> None:
    # n=500 from the start; n=1 at the branch's `inner` route (past `halve`, which would
    # filter it); n=2 inside the nested branch `huge` at its sort; n=3 at big's end.
    starts: dict[int, int | tuple[int, ...]] = {
        500: 0,
        1: (0, 0, 1),
        2: (0, 0, 1, 0, 0),
        3: (0, 0, 2),
    }

    def entry(item: SourceItem) -> int | tuple[int, ...]:
        assert item.record is not None
        return starts[item.record["n"]]

    ran = run(ROUTED, [{"n": 500}, {"n": 1}, {"n": 2}, {"n": 3}], entry=entry)
    assert (ran.counts.read, ran.counts.written, ran.counts.filtered) == (4, 4, 0)
    assert ran.step("split").received == 1  # only 500 came through the predicates
    assert ran.step("split/big/halve").received == 1
    assert ran.step("split/big/inner").received == 2  # 500 and 1
    assert ran.step("split/big/inner/huge/order").received == 2  # 500 and 2: all levels named
    assert ran.step("order").received == 4
    assert ran.output == [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 500}]
    assert all(step.balanced for step in ran.steps)
