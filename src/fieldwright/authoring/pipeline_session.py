"""The open pipeline without Qt: its document, where it lives, its problems, its listeners.

Every change goes through `apply` or `revert` of a `PipelineEdit`; the state hands
the edit's events to each listener. Where a pipeline lives is a file (`Path`) or a
version in the store (`StoredPipeline`); `problems` checks the document as a run
would, each problem at its JSON pointer, with map steps' files and enrich sources
found beside the pipeline's file. The Qt session (`app/pipelines/session.py`)
adapts this to signals and an undo stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fieldwright.authoring.pipeline_edits import PipelineEdit, PipelineEvent, StepsChanged
from fieldwright.domain import ConnectorRef, Problem
from fieldwright.domain.pipeline import PIPELINE_FORMAT_VERSION, PipelineDocument
from fieldwright.domain.pipeline_canonical import (
    PipelineError,
    pipeline_from_data,
    pipeline_to_data,
    save_pipeline,
)
from fieldwright.service import DataError, check_pipeline, open_pipeline

__all__ = [
    "PIPELINE_FILE_FILTER",
    "PipelineLocation",
    "PipelineState",
    "StoredPipeline",
    "new_pipeline",
    "pipeline_problems",
    "save_pipeline_file",
    "snapshot_pipeline",
]

PIPELINE_FILE_FILTER = "Fieldwright pipelines (*.fwpipe.json);;JSON files (*.json);;All files (*)"


@dataclass(frozen=True, slots=True)
class StoredPipeline:
    """A version of a pipeline in the store: the base of the next save."""

    key: str
    version: int

    def __str__(self) -> str:
        return f"{self.key} (version {self.version})"


PipelineLocation = Path | StoredPipeline
PipelineListener = Callable[[list[PipelineEvent]], None]


def new_pipeline() -> PipelineDocument:
    return PipelineDocument(
        fieldwright_pipeline=PIPELINE_FORMAT_VERSION,
        key="pipeline_UNTITLED",
        name="Untitled pipeline",
    )


def snapshot_pipeline(document: PipelineDocument) -> PipelineDocument:
    """A deep copy a worker may read while the designer keeps editing the original."""
    return document.model_copy(deep=True)


def pipeline_problems(
    document: PipelineDocument,
    base: Path | None,
    connections: Callable[[str], ConnectorRef] | None = None,
    check: Callable[[PipelineDocument], list[Problem]] | None = None,
) -> list[Problem]:
    """What is wrong with `document` as a file would be checked: the document's own rules
    (unique names, required settings) and then its paths, predicates and mappings (by
    `check` when given: a stored pipeline's map steps name stored mappings); the saved
    connections enrich sources name, in `connections` when given."""
    try:
        checked = pipeline_from_data(pipeline_to_data(document))
    except PipelineError as exc:
        return list(exc.problems)
    if check is not None:
        return check(checked)
    return check_pipeline(checked, base=base, connections=connections)


def save_pipeline_file(document: PipelineDocument, path: Path) -> None:
    """Write the canonical text atomically; DataError names the file and the reason."""
    try:
        save_pipeline(document, path)
    except OSError as exc:
        raise DataError(f"cannot save {path}: {exc.strerror or exc}") from exc


class PipelineState:
    """A pipeline being designed, where it is saved, and the listeners to its changes."""

    def __init__(self, document: PipelineDocument, location: PipelineLocation | None) -> None:
        self.document = document
        self.location = location
        self._listeners: list[PipelineListener] = []
        #: Checks a pipeline opened from the store (`StoredPipelines.check`), when there is one.
        self.check_stored: Callable[[PipelineDocument], list[Problem]] | None = None

    @property
    def base(self) -> Path | None:
        """The folder relative paths of the document are found in (its file's)."""
        return self.location.parent if isinstance(self.location, Path) else None

    def subscribe(self, listener: PipelineListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def apply(self, edit: PipelineEdit) -> list[PipelineEvent]:
        events = edit.apply(self.document)
        self._notify(events)
        return events

    def revert(self, edit: PipelineEdit) -> list[PipelineEvent]:
        events = edit.revert(self.document)
        self._notify(events)
        return events

    def open_file(self, path: Path) -> None:
        """Raises InvalidDocument (every problem) or DataError; the state is unchanged then."""
        self.replace(open_pipeline(path), path)

    def replace(self, document: PipelineDocument, location: PipelineLocation | None) -> None:
        self.document = document
        self.location = location
        self._notify([StepsChanged()])

    def problems(self, connections: Callable[[str], ConnectorRef] | None = None) -> list[Problem]:
        # A pipeline from the store, or a new one while a store is open (its map steps may
        # name stored mappings), is checked as the store checks it; a file's as a file.
        stored = isinstance(self.location, StoredPipeline) or self.location is None
        check = self.check_stored if stored else None
        return pipeline_problems(self.document, self.base, connections, check)

    def _notify(self, events: list[PipelineEvent]) -> None:
        for listener in list(self._listeners):
            listener(events)
