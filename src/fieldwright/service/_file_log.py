"""A file beside the output as a run's log: the destination of a file run.

A file run (`fieldwright run`, `run_file`) has no store: its dead letters go to
``<output>.dead-letters.ndjson``, created only when the first one arrives and
written atomically with its manifest when the run ends; a stale file of an
earlier run is removed when this run has none. Its run key names it in logs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fieldwright.connectors import ConnectorError, NdjsonSink
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.service._keys import run_key
from fieldwright.service._worker import RunPlan
from fieldwright.service.errors import DataError

__all__ = ["FileRunLog"]


class FileRunLog:
    """Keeps a file run's dead letters in an NDJSON file; a `RunLog`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sink: NdjsonSink | None = None

    def start(self, plan: RunPlan, attempt: int, trigger: RunTrigger, parent: str | None) -> str:
        return run_key(plan.document.key, datetime.now(UTC), attempt)

    def add_dead_letters(self, key: str, letters: list[DeadLetter]) -> int:
        try:
            if self._sink is None:
                self._sink = NdjsonSink(self.path)
            self._sink.write_batch([letter.model_dump(mode="json") for letter in letters])
        except ConnectorError as exc:
            raise DataError(str(exc)) from exc
        return len(letters)

    def update_counts(self, key: str, counts: RunCounts) -> None:
        """Nothing to record: the counts are in the run's result."""

    def finish(self, key: str, status: RunStatus, counts: RunCounts, message: str | None) -> None:
        if self._sink is None:
            self.path.unlink(missing_ok=True)  # a stale file from an earlier run would mislead
            self.path.with_name(self.path.name + ".meta.json").unlink(missing_ok=True)
            return
        try:
            self._sink.commit()
        except ConnectorError as exc:
            raise DataError(str(exc)) from exc
