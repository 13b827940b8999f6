"""Pipeline Designer edits as pure do/undo logic on a pipeline document. Qt-free.

A step is addressed by where it sits: `(i,)` is the i-th top-level step, and
`(r, b, i)` the i-th step of branch b of the route step r (deeper nesting adds
pairs). A list of steps is addressed by the even-length prefix: `()` is the
pipeline's own steps, `(r, b)` a branch's. Every edit keeps what it needs to undo
itself exactly: applying then reverting leaves the document's canonical dump
byte-identical. `apply` and `revert` return what changed (`PipelineEvent`s) for
the views to redraw; the app's undo stack wraps the edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import TypeAdapter

from fieldwright.domain.pipeline import (
    Branch,
    PipelineDocument,
    PipelineStep,
    RouteStep,
)

__all__ = [
    "STEP_TYPES",
    "AddStep",
    "Container",
    "MoveStep",
    "PipelineEdit",
    "PipelineEvent",
    "PropertiesChanged",
    "RemoveStep",
    "ReplaceStep",
    "SetPipelineProperties",
    "StepAt",
    "StepReplaced",
    "StepsChanged",
    "branch_at",
    "new_step",
    "step_at",
    "step_from_data",
    "steps_in",
    "unique_step_name",
]

#: Where a step sits (odd length) and where a list of steps is (even length, `()`: the top).
StepAt = tuple[int, ...]
Container = tuple[int, ...]

#: The step types, in the palette's order, with what each does in a few words.
STEP_TYPES: tuple[tuple[str, str], ...] = (
    ("map", "each record through a mapping"),
    ("filter", "keep the records a predicate is true for"),
    ("validate", "records failing a check become dead letters"),
    ("unwind", "one record per item of an array"),
    ("enrich", "join with the records of a second file"),
    ("aggregate", "one record per group"),
    ("sort", "order the records by keys"),
    ("dedupe", "one record per key"),
    ("route", "branches by predicate, each with its own steps"),
)

_STEP = TypeAdapter[PipelineStep](PipelineStep)

#: What a new step of each type starts with: valid, and a hint of what to write.
_STARTERS: dict[str, dict[str, Any]] = {
    "map": {"mapping": "mapping.fwmap.json"},
    "filter": {"predicate": "status == 'active'"},
    "validate": {"checks": [{"field": "$.id", "required": True}]},
    "unwind": {"path": "$.items"},
    "enrich": {
        "source": {"kind": "csv", "settings": {"path": "partners.csv"}},
        "on": {"$.id": "$.id"},
    },
    "aggregate": {"group_by": [], "aggregates": [{"name": "records", "fn": "count"}]},
    "sort": {"keys": [{"field": "$.id"}]},
    "dedupe": {"keys": ["$.id"]},
    "route": {"branches": [{"name": "branch 1", "when": "status == 'active'"}]},
}


@dataclass(frozen=True, slots=True)
class StepsChanged:
    """Steps were added, removed or moved: the views of the steps redraw them."""


@dataclass(frozen=True, slots=True)
class StepReplaced:
    """The step at `at` changed its settings (its place is the same)."""

    at: StepAt


@dataclass(frozen=True, slots=True)
class PropertiesChanged:
    """The pipeline's own settings changed (name, key, description, …)."""


PipelineEvent = StepsChanged | StepReplaced | PropertiesChanged


class PipelineEdit(Protocol):
    """One undoable change of a pipeline: returns the events of what it changed."""

    @property
    def text(self) -> str: ...

    def apply(self, document: PipelineDocument) -> list[PipelineEvent]: ...

    def revert(self, document: PipelineDocument) -> list[PipelineEvent]: ...


def branch_at(document: PipelineDocument, container: Container) -> Branch:
    """The route branch holding the steps at `container` (which is not the top)."""
    steps = document.steps
    branch: Branch | None = None
    for n in range(0, len(container), 2):
        route = steps[container[n]]
        if not isinstance(route, RouteStep):
            raise KeyError(f"step {route.name!r} is not a route: it has no branches")
        branch = route.branches[container[n + 1]]
        steps = branch.steps
    if branch is None:
        raise KeyError("the pipeline's own steps are in no branch")
    return branch


def steps_in(document: PipelineDocument, container: Container) -> list[PipelineStep]:
    """The list of steps at `container`: the pipeline's, or a route branch's."""
    return document.steps if not container else branch_at(document, container).steps


def step_at(document: PipelineDocument, at: StepAt) -> PipelineStep:
    return steps_in(document, at[:-1])[at[-1]]


def _all_names(steps: list[PipelineStep]) -> set[str]:
    names: set[str] = set()
    for step in steps:
        names.add(step.name)
        if isinstance(step, RouteStep):
            for branch in step.branches:
                names |= _all_names(branch.steps)
    return names


def unique_step_name(document: PipelineDocument, base: str) -> str:
    """`base`, or `base 2`, `base 3`…: a name no step of the pipeline has."""
    taken = _all_names(document.steps)
    if base not in taken:
        return base
    n = 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def step_from_data(data: dict[str, Any]) -> PipelineStep:
    """A step from plain data (an editor's fields); pydantic's ValidationError when wrong."""
    return _STEP.validate_python(data)


def new_step(document: PipelineDocument, kind: str) -> PipelineStep:
    """A new step of `kind` with starter settings and a name no other step has."""
    if kind not in _STARTERS:
        raise KeyError(f"no step type {kind!r}; the types are {', '.join(_STARTERS)}")
    name = unique_step_name(document, kind)
    return step_from_data({"name": name, "type": kind, **_STARTERS[kind]})


def _copy(step: PipelineStep) -> PipelineStep:
    return step.model_copy(deep=True)


@dataclass
class AddStep:
    """Insert `step` into the list at `container` (at `index`; None: at its end)."""

    step: PipelineStep
    container: Container = ()
    index: int | None = None

    @property
    def text(self) -> str:
        return f"Add {self.step.type} step {self.step.name!r}"

    def apply(self, document: PipelineDocument) -> list[PipelineEvent]:
        steps = steps_in(document, self.container)
        if self.step.name in _all_names(document.steps):
            raise ValueError(f"a step is named {self.step.name!r} already; step names are unique")
        at = len(steps) if self.index is None else min(self.index, len(steps))
        steps.insert(at, _copy(self.step))
        self.index = at
        return [StepsChanged()]

    def revert(self, document: PipelineDocument) -> list[PipelineEvent]:
        assert self.index is not None, "revert before apply"
        del steps_in(document, self.container)[self.index]
        return [StepsChanged()]


@dataclass
class RemoveStep:
    """Delete the step at `at` (a route with its branches and their steps)."""

    at: StepAt
    _removed: PipelineStep | None = None

    @property
    def text(self) -> str:
        name = self._removed.name if self._removed is not None else "step"
        return f"Delete step {name!r}"

    def apply(self, document: PipelineDocument) -> list[PipelineEvent]:
        self._removed = steps_in(document, self.at[:-1]).pop(self.at[-1])
        return [StepsChanged()]

    def revert(self, document: PipelineDocument) -> list[PipelineEvent]:
        assert self._removed is not None, "revert before apply"
        steps_in(document, self.at[:-1]).insert(self.at[-1], self._removed)
        return [StepsChanged()]


def _within(container: Container, at: StepAt) -> bool:
    """Whether `container` is inside the step at `at` (a route's own branch, or deeper)."""
    return len(container) > len(at) - 1 and container[: len(at)] == at


@dataclass
class MoveStep:
    """Move the step at `source` to position `index` of the list at `container`.

    `index` counts in the destination list as it is before the move (a drop
    between two rows): moving a step down its own list lands it before the step
    that was at `index`.
    """

    source: StepAt
    container: Container
    index: int
    _name: str = ""
    _placed: StepAt = field(default=())

    @property
    def text(self) -> str:
        return f"Move step {self._name!r}" if self._name else "Move step"

    def apply(self, document: PipelineDocument) -> list[PipelineEvent]:
        if _within(self.container, self.source):
            raise ValueError("a route step cannot move into its own branches")
        origin = steps_in(document, self.source[:-1])
        destination = steps_in(document, self.container)
        index = self.index
        if destination is origin and index > self.source[-1]:
            index -= 1  # the list closes up behind the step taken out
        step = origin.pop(self.source[-1])
        index = min(index, len(destination))
        destination.insert(index, step)
        self._name = step.name
        self._placed = (*self.container, index)
        return [StepsChanged()]

    def revert(self, document: PipelineDocument) -> list[PipelineEvent]:
        step = steps_in(document, self._placed[:-1]).pop(self._placed[-1])
        steps_in(document, self.source[:-1]).insert(self.source[-1], step)
        return [StepsChanged()]

    @property
    def placed(self) -> StepAt:
        """Where the step is after the move (for the view to select it)."""
        return self._placed


def _rename_would_clash(document: PipelineDocument, before: str, after: str) -> bool:
    return after != before and after in _all_names(document.steps)


@dataclass
class ReplaceStep:
    """Replace the step at `at` by `after` (its settings from an editor, or a new name).

    Edits from typing in one editor field merge into one undo step (`merge_key`).
    """

    at: StepAt
    after: PipelineStep
    label: str = ""
    merge_key: str = ""
    _before: PipelineStep | None = None

    @property
    def text(self) -> str:
        return self.label or f"Edit step {self.after.name!r}"

    def apply(self, document: PipelineDocument) -> list[PipelineEvent]:
        steps = steps_in(document, self.at[:-1])
        before = steps[self.at[-1]]
        if _rename_would_clash(document, before.name, self.after.name):
            raise ValueError(f"a step is named {self.after.name!r} already; step names are unique")
        self._before = before
        steps[self.at[-1]] = _copy(self.after)
        return [StepReplaced(self.at)]

    def revert(self, document: PipelineDocument) -> list[PipelineEvent]:
        assert self._before is not None, "revert before apply"
        steps_in(document, self.at[:-1])[self.at[-1]] = self._before
        return [StepReplaced(self.at)]

    def merged(self, later: ReplaceStep) -> bool:
        """Fold `later` (typing on in the same field of the same step) into this edit."""
        if not self.merge_key or later.merge_key != self.merge_key or later.at != self.at:
            return False
        self.after = later.after
        return True


@dataclass
class SetPipelineProperties:
    """Change the pipeline's own settings: name, key, description, spill_after, …"""

    changes: dict[str, Any]
    _before: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"Change {', '.join(sorted(self.changes))}"

    def apply(self, document: PipelineDocument) -> list[PipelineEvent]:
        before = {name: getattr(document, name) for name in self.changes}
        try:
            for name, value in self.changes.items():
                setattr(document, name, value)  # validated: a wrong value raises
        except ValueError:
            for name, value in before.items():
                setattr(document, name, value)
            raise
        self._before = before
        return [PropertiesChanged()]

    def revert(self, document: PipelineDocument) -> list[PipelineEvent]:
        for name, value in self._before.items():
            setattr(document, name, value)
        return [PropertiesChanged()]
