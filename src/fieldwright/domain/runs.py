"""Runs: their status, trigger, counts and dead letters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DeadLetter", "RunCounts", "RunStatus", "RunTrigger"]


class RunStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class RunTrigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    RETRY = "retry"
    TEST = "test"
    REPROCESS = "reprocess"


class RunCounts(BaseModel):
    """Record counts of a run. Conservation: read = written + failed + filtered + skipped."""

    # defer_build: the validator is built on first use, not when a run imports the module.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    read: int = 0
    written: int = 0
    failed: int = 0
    filtered: int = 0
    #: Read but neither written nor failed because the run stopped (fail_fast, cancel).
    skipped: int = 0

    @property
    def balanced(self) -> bool:
        return self.read == self.written + self.failed + self.filtered + self.skipped


class DeadLetter(BaseModel):
    """A record that failed, kept with where it came from and why."""

    # defer_build: a run builds its letters with model_construct; the validator and the
    # serializer are built when a letter is first validated or written, not at import.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    error_id: str
    position: dict[str, Any]
    position_text: str
    field: str | None = Field(default=None, description="target path of the failing field")
    reason: str
    #: The pipeline step the record failed at; None for a mapping run or a record unread.
    step: str | None = None
    input: dict[str, Any] | None = None
    raw: str | None = None
    occurred_at: datetime
