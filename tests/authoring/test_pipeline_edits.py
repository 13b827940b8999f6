"""Pipeline Designer edits without Qt: each applies, reverts byte for byte, says what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.authoring.pipeline_edits import (
    AddStep,
    MoveStep,
    PipelineEdit,
    RemoveStep,
    ReplaceStep,
    SetPipelineProperties,
    StepReplaced,
    new_step,
    step_at,
    step_from_data,
)
from fieldwright.authoring.pipeline_session import PipelineState, new_pipeline
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.pipeline_canonical import dumps_pipeline


def _document() -> PipelineDocument:
    document = new_pipeline()
    for kind in ("unwind", "aggregate", "route", "sort"):
        AddStep(new_step(document, kind)).apply(document)
    return document


def _round_trip(document: PipelineDocument, edit: PipelineEdit) -> str:
    before = dumps_pipeline(document)
    edit.apply(document)
    after = dumps_pipeline(document)
    assert after != before
    edit.revert(document)
    assert dumps_pipeline(document) == before
    edit.apply(document)  # redo gives the same document again
    assert dumps_pipeline(document) == after
    return after


def test_new_steps_get_unique_names_and_starter_settings() -> None:
    document = _document()
    assert [s.name for s in document.steps] == ["unwind", "aggregate", "route", "sort"]
    assert new_step(document, "unwind").name == "unwind 2"
    with pytest.raises(KeyError, match="no step type 'join'"):
        new_step(document, "join")


def test_each_edit_reverts_byte_for_byte() -> None:
    document = _document()
    _round_trip(document, AddStep(new_step(document, "filter"), (), 0))
    _round_trip(document, RemoveStep((2,)))
    _round_trip(document, MoveStep((0,), (), 3))
    changed = step_from_data({"name": "lines", "type": "unwind", "path": "$.lines"})
    _round_trip(document, ReplaceStep((1,), changed))
    _round_trip(document, SetPipelineProperties({"name": "Orders per day"}))


def test_moving_down_lands_before_the_step_dropped_on() -> None:
    document = _document()
    move = MoveStep((0,), (), 3)
    move.apply(document)
    assert [s.name for s in document.steps] == ["aggregate", "route", "unwind", "sort"]
    assert move.placed == (2,)


def test_a_step_moves_into_a_route_branch_and_back() -> None:
    document = _document()
    move = MoveStep((3,), (2, 0), 0)
    move.apply(document)
    assert step_at(document, (2, 0, 0)).name == "sort"
    assert [s.name for s in document.steps] == ["unwind", "aggregate", "route"]
    move.revert(document)
    assert [s.name for s in document.steps] == ["unwind", "aggregate", "route", "sort"]
    with pytest.raises(ValueError, match="its own branches"):
        MoveStep((2,), (2, 0), 0).apply(document)


def test_a_rename_onto_another_steps_name_is_refused() -> None:
    document = _document()
    clash = step_from_data({"name": "sort", "type": "unwind", "path": "$.items"})
    with pytest.raises(ValueError, match="named 'sort' already"):
        ReplaceStep((0,), clash).apply(document)


def test_typing_in_one_field_merges_into_one_edit() -> None:
    document = _document()
    first = ReplaceStep(
        (0,), step_from_data({"name": "unwind", "type": "unwind", "path": "$.l"}), merge_key="path"
    )
    later = ReplaceStep(
        (0,),
        step_from_data({"name": "unwind", "type": "unwind", "path": "$.lines"}),
        merge_key="path",
    )
    other = ReplaceStep(
        (0,), step_from_data({"name": "x", "type": "unwind", "path": "$.lines"}), merge_key="name"
    )
    assert first.apply(document) == [StepReplaced((0,))]
    later.apply(document)  # as the undo stack does: the later edit runs, then merges
    assert first.merged(later) and not first.merged(other)
    assert step_at(document, (0,)).path == "$.lines"  # type: ignore[union-attr]
    first.revert(document)
    assert step_at(document, (0,)).path == "$.items"  # type: ignore[union-attr]


def test_problems_are_reported_at_their_pointer(tmp_path: Path) -> None:
    state = PipelineState(_document(), tmp_path / "p.fwpipe.json")
    bad = step_from_data({"name": "unwind", "type": "unwind", "path": "$.items[?"})
    state.apply(ReplaceStep((0,), bad))
    pointers = [p.pointer for p in state.problems()]
    assert "/steps/0/path" in pointers
    filter_step = step_from_data({"name": "keep", "type": "filter", "predicate": "a == "})
    state.apply(AddStep(filter_step))
    assert "/steps/4/predicate" in [p.pointer for p in state.problems()]
