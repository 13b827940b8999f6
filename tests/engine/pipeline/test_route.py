"""Route: records to named branches, each with its own steps, into its target or back."""

from __future__ import annotations

from typing import Any

from fieldwright.domain.pipeline import Branch, PipelineCounts
from fieldwright.domain.runs import DeadLetter, RunStatus
from fieldwright.engine.pipeline import compile_pipeline, execute_pipeline, validate_pipeline
from tests.engine.kit import MemorySink, items
from tests.engine.pipeline.kit import pipeline, run

ROWS: list[dict[str, Any]] = [
    {"n": 1, "kind": "a", "v": 5},
    {"n": 2, "kind": "b", "v": 1},
    {"n": 3, "kind": "a", "v": 2},
    {"n": 4, "kind": "c", "v": 9},
    {"n": 5, "kind": "b", "v": 3},
]


def _route(mode: str = "first", **branch_b: Any) -> dict[str, Any]:
    return {
        "name": "split",
        "type": "route",
        "mode": mode,
        "branches": [
            {
                "name": "big",
                "when": "v > `4`",
                "steps": [{"name": "tag", "type": "filter", "predicate": "kind != 'c'"}],
            },
            {
                "name": "bs",
                "when": "kind == 'b'",
                "steps": [
                    {"name": "desc", "type": "sort", "keys": [{"field": "$.v", "descending": True}]}
                ],
                **branch_b,
            },
        ],
    }


def test_first_match_branches_rejoin_after_the_records_that_went_on() -> None:
    ran = run(pipeline(_route()), ROWS)
    # n=3 matched nothing and went on at once; then branch big (5, not 9: filtered), then bs.
    assert [r["n"] for r in ran.output] == [3, 1, 5, 2]
    split = ran.step("split")
    assert (split.received, split.emitted, split.expanded) == (5, 5, 0)
    tag = ran.step("split/big/tag")
    assert (tag.received, tag.emitted, tag.filtered) == (2, 1, 1)
    assert ran.step("split/bs/desc").received == 2


def test_fan_out_copies_a_record_to_every_branch_it_matches() -> None:
    rows = [*ROWS, {"n": 6, "kind": "b", "v": 7}]
    ran = run(pipeline(_route("all")), rows)
    assert [r["n"] for r in ran.output] == [3, 1, 6, 6, 5, 2]
    assert ran.step("split").expanded == 1
    assert ran.counts.expanded == 1


def test_a_branch_with_its_own_target_writes_there_and_commits_with_the_run() -> None:
    document = pipeline(
        _route(target={"connector": {"kind": "ndjson", "settings": {"path": "b.ndjson"}}})
    )
    branch_sinks: dict[str, MemorySink] = {}

    def open_branch_sink(branch: Branch) -> MemorySink:
        branch_sinks[branch.name] = MemorySink()
        return branch_sinks[branch.name]

    main = MemorySink()
    letters: list[DeadLetter] = []
    outcome = execute_pipeline(
        compile_pipeline(document),
        items(ROWS),
        main,
        on_dead_letter=letters.append,
        open_branch_sink=open_branch_sink,
    )
    assert outcome.status is RunStatus.COMPLETED
    assert [r["n"] for r in main.committed or []] == [3, 1]
    assert [r["n"] for r in branch_sinks["bs"].committed or []] == [5, 2]
    assert isinstance(outcome.counts, PipelineCounts)
    assert outcome.counts.written == 4 and outcome.counts.filtered == 1
    assert outcome.counts.balanced


def test_a_failed_run_aborts_the_branch_targets_too() -> None:
    document = pipeline(
        _route(target={"connector": {"kind": "ndjson", "settings": {"path": "b.ndjson"}}})
    )
    branch = MemorySink()
    outcome = execute_pipeline(
        compile_pipeline(document),
        items(ROWS),
        MemorySink(fail_after=0),
        open_branch_sink=lambda _b: branch,
    )
    assert outcome.status is RunStatus.FAILED
    assert branch.aborted and branch.committed is None
    assert outcome.counts.written == 0 and outcome.counts.balanced


def test_a_predicate_that_cannot_be_evaluated_fails_the_record_at_the_route() -> None:
    document = pipeline(
        {"name": "r", "type": "route", "branches": [{"name": "x", "when": "length(v) > `1`"}]}
    )
    ran = run(document, [{"v": "abc"}, {"v": 3}])
    assert ran.output == [{"v": "abc"}]
    assert ran.letters[0].step == "r" and "branch 'x'" in ran.letters[0].reason


def test_branch_problems_point_into_the_branch() -> None:
    document = pipeline(
        {
            "name": "r",
            "type": "route",
            "branches": [
                {
                    "name": "x",
                    "when": "a ===",
                    "target": {},
                    "steps": [{"name": "s", "type": "sort", "keys": [{"field": "$.a[*]"}]}],
                }
            ],
        }
    )
    pointers = [p.pointer for p in validate_pipeline(document)]
    assert pointers == [
        "/steps/0/branches/0/when",
        "/steps/0/branches/0/target",
        "/steps/0/branches/0/steps/0/keys/0/field",
    ]


def test_a_sql_branch_target_names_its_table_and_its_database() -> None:
    def problems(connector: dict[str, Any]) -> list[str]:
        document = pipeline(
            {
                "name": "r",
                "type": "route",
                "branches": [{"name": "x", "target": {"connector": connector}}],
            }
        )
        return [f"{p.pointer}: {p.message}" for p in validate_pipeline(document)]

    assert problems({"kind": "sql", "settings": {"url": "sqlite://"}}) == [
        "/steps/0/branches/0/target: a branch's SQL target names its table: "
        "connector.settings.table"
    ]
    assert "names its database" in problems({"kind": "sql", "settings": {"table": "t"}})[0]
    assert problems({"kind": "sql", "settings": {"url": "sqlite://", "table": "t"}}) == []
    assert problems({"kind": "sql", "connection": "dw", "settings": {"table": "t"}}) == []
