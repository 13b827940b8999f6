"""A file beside the output as a run's log: the destination of a file run.

A file run (`fieldwright run`, `run_file`) has no store: its dead letters go to
``<output>.dead-letters.ndjson``, created only when the first one arrives (a
letter whose input JSON cannot hold keeps the reason in `raw` and no
`input`). When the output commits, the letters commit with it, in the same
journalled commit, listed in the output's manifest; a stale file of an earlier
run is removed in that commit when this run has none. A run that fails keeps
its letters in the file on their own (the output stays the previous run's).
Its run key names it in logs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldwright.connectors import ConnectorError, FileSink, NdjsonSink
from fieldwright.domain.records import RecordSink
from fieldwright.domain.runs import DeadLetter, RunCounts, RunStatus, RunTrigger
from fieldwright.service._keys import run_key
from fieldwright.service._worker import RunPlan
from fieldwright.service.errors import DataError

__all__ = ["FileRunLog"]


def _letter_row(letter: DeadLetter) -> dict[str, Any]:
    try:
        return letter.model_dump(mode="json")
    except (ValueError, RecursionError) as exc:  # pydantic: too deep to serialise
        row = letter.model_copy(update={"input": None}).model_dump(mode="json")
        return _without_input(row, str(exc))


def _without_input(row: dict[str, Any], reason: str) -> dict[str, Any]:
    """A dead letter whose input cannot be written as JSON: `raw` says why instead."""
    raw = row.get("raw")
    note = f"(the input cannot be written as JSON: {reason})"
    return {**row, "input": None, "raw": f"{note} {raw}" if raw else note}


class FileRunLog:
    """Keeps a file run's dead letters in an NDJSON file; a `RunLog`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sink: NdjsonSink | None = None
        self._joined = False

    def start(self, plan: RunPlan, attempt: int, trigger: RunTrigger, parent: str | None) -> str:
        return run_key(plan.document.key, datetime.now(UTC), attempt)

    def add_dead_letters(self, key: str, letters: list[DeadLetter]) -> int:
        try:
            if self._sink is None:
                self._sink = NdjsonSink(self.path, private=True)  # whole input records: 0600
            rows = [_letter_row(letter) for letter in letters]
            rejected = self._sink.write_batch(rows)
            if rejected:  # an input JSON cannot hold: the letter keeps the reason instead
                retry = [_without_input(rows[r.index], r.reason) for r in rejected]
                still = self._sink.write_batch(retry)
                if still:
                    raise DataError(f"{self.path}: a dead letter: {still[0].reason}")
        except ConnectorError as exc:
            raise DataError(str(exc)) from exc
        return len(letters)

    def update_counts(self, key: str, counts: RunCounts) -> None:
        """Nothing to record: the counts are in the run's result."""

    def prepare_commit(self, key: str, sink: RecordSink) -> None:
        """Join the letters (or the removal of an earlier run's) to the output's commit."""
        if not isinstance(sink, FileSink) or sink.path.parent != self.path.parent:
            return
        try:
            if self._sink is None:
                sink.remove_on_commit(self.path)
            else:
                sink.add_companion(self._sink.hand_over())
            sink.remove_on_commit(self.path.with_name(self.path.name + ".meta.json"))
        except ConnectorError as exc:
            raise DataError(str(exc)) from exc
        self._joined = True

    def finish(self, key: str, status: RunStatus, counts: RunCounts, message: str | None) -> None:
        if self._joined:
            return  # committed with the output (or the run failed after: nothing to keep)
        if self._sink is None:
            self.path.unlink(missing_ok=True)  # a stale file from an earlier run would mislead
            self.path.with_name(self.path.name + ".meta.json").unlink(missing_ok=True)
            return
        try:
            self._sink.commit()
        except ConnectorError as exc:
            raise DataError(str(exc)) from exc
