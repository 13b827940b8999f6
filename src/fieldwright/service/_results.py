"""What a run reports while it goes (`RunProgress`) and when it ends (`RunResult`)."""

from __future__ import annotations

from dataclasses import dataclass

from fieldwright.domain.runs import RunCounts, RunStatus
from fieldwright.service.errors import RunFailed

__all__ = ["RunProgress", "RunResult"]


@dataclass(frozen=True, slots=True)
class RunProgress:
    """A snapshot of a run in progress, for a progress bar."""

    #: The run (attempt) going on now.
    key: str
    attempt: int
    #: Records taken from the source so far.
    records: int
    #: The last balanced counts (updated between chunks of records).
    counts: RunCounts
    elapsed: float
    #: Records per second so far.
    rate: float
    #: How many records the source holds, when known.
    total: int | None = None
    running: bool = True

    @property
    def eta(self) -> float | None:
        """Seconds left, when the total is known and records are flowing."""
        if self.total is None or self.rate <= 0:
            return None
        return max(self.total - self.records, 0) / self.rate

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(self.records / self.total, 1.0)


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended: its last attempt's key, status, counts and message."""

    key: str
    #: Every attempt's run key, first to last (one unless the run was retried).
    keys: tuple[str, ...]
    status: RunStatus
    counts: RunCounts
    seconds: float
    message: str | None = None
    dead_letters: int = 0
    #: Whether the failure may go away by trying again (a transient connector error).
    transient: bool = False
    #: The engine that mapped the records: "rows" or "polars" (service/engines.py).
    engine: str = "rows"

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.COMPLETED

    def raise_for_status(self) -> RunResult:
        """Raise RunFailed unless the run completed; returns the result otherwise."""
        if self.ok:
            return self
        detail = f": {self.message}" if self.message else ""
        raise RunFailed(f"run {self.key} {self.status.value}{detail}", self)
