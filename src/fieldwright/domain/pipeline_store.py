"""Records the store hands back for stored pipelines: versions, summaries, diffs (issue 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PipelineDiff", "PipelineSummary", "PipelineVersionInfo", "StepChange"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PipelineVersionInfo(_Record):
    """One saved version of a pipeline: who saved it, when, and why."""

    key: str
    version: int
    name: str
    saved_at: datetime
    saved_by: str
    comment: str = ""
    step_count: int = 0
    content_sha256: str


class PipelineSummary(_Record):
    """A pipeline as a list shows it: its latest version and who touched it last."""

    key: str
    name: str
    description: str = ""
    latest_version: int
    step_count: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class StepChange(_Record):
    """What changed in one step (by name): each changed setting, before and after."""

    step: str
    changes: dict[str, tuple[Any, Any]]


class PipelineDiff(_Record):
    """What changed between two versions of a pipeline, step by step (steps by name)."""

    key: str
    old_version: int
    new_version: int
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[StepChange] = Field(default_factory=list)
    #: Whether the steps kept are in a different order.
    reordered: bool = False
    #: Top-level parts of the document that changed besides `steps` (name, source, run, …).
    other_changes: list[str] = Field(default_factory=list)
    #: The unified diff of the two canonical texts, line by line.
    text: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.reordered or self.other_changes
        )
