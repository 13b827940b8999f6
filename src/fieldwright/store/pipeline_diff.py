"""Step-level differences between two versions of a pipeline, steps keyed by name."""

from __future__ import annotations

from typing import Any

from fieldwright.domain.pipeline import PipelineDocument, PipelineStep
from fieldwright.domain.pipeline_canonical import pipeline_to_data
from fieldwright.domain.pipeline_store import PipelineDiff, StepChange

__all__ = ["diff_pipelines"]

#: Parts of the document that are not "other changes" (steps are diffed one by one).
_NOT_COMPARED = frozenset({"steps", "version"})


def _by_name(steps: list[PipelineStep]) -> dict[str, dict[str, Any]]:
    return {step.name: step.model_dump(mode="json") for step in steps}


def _step_change(name: str, old: dict[str, Any], new: dict[str, Any]) -> StepChange | None:
    changes = {
        setting: (old.get(setting), new.get(setting))
        for setting in sorted(set(old) | set(new))
        if old.get(setting) != new.get(setting)
    }
    return StepChange(step=name, changes=changes) if changes else None


def diff_pipelines(old: PipelineDocument, new: PipelineDocument) -> PipelineDiff:
    """Steps added, removed, changed (settings before and after), reordered, and what else."""
    old_steps, new_steps = _by_name(old.steps), _by_name(new.steps)
    changed = [
        change
        for name in old_steps
        if name in new_steps and (change := _step_change(name, old_steps[name], new_steps[name]))
    ]
    kept_old = [name for name in old_steps if name in new_steps]
    kept_new = [name for name in new_steps if name in old_steps]
    old_data, new_data = pipeline_to_data(old), pipeline_to_data(new)
    others = sorted(
        name
        for name in set(old_data) | set(new_data)
        if name not in _NOT_COMPARED and old_data.get(name) != new_data.get(name)
    )
    return PipelineDiff(
        key=new.key,
        old_version=old.version,
        new_version=new.version,
        added=[name for name in new_steps if name not in old_steps],
        removed=[name for name in old_steps if name not in new_steps],
        changed=changed,
        reordered=kept_old != kept_new,
        other_changes=others,
    )
