"""Undoable edits of a document's test cases (pure do/undo logic, Qt-free).

Like the field mapping edits of `commands_core`, each stores what it needs to
undo itself; the session wraps them in undo commands.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldwright.domain import MappingDocument, TestCase

__all__ = ["AddTest", "RemoveTest", "ReplaceTest"]


def _copy(case: TestCase) -> TestCase:
    return case.model_copy(deep=True)


@dataclass
class AddTest:
    """Append (or insert at `index`) a test case."""

    case: TestCase
    index: int | None = None

    @property
    def text(self) -> str:
        return f"Add test {self.case.name}"

    def apply(self, document: MappingDocument) -> None:
        at = len(document.tests) if self.index is None else self.index
        document.tests.insert(at, _copy(self.case))
        self.index = at

    def revert(self, document: MappingDocument) -> None:
        assert self.index is not None, "revert before apply"
        del document.tests[self.index]


@dataclass
class ReplaceTest:
    """Replace the test case at `index` (edit it, or accept its actual output)."""

    index: int
    after: TestCase
    label: str = ""
    _before: TestCase | None = None

    @property
    def text(self) -> str:
        return self.label or f"Edit test {self.after.name}"

    def apply(self, document: MappingDocument) -> None:
        if not 0 <= self.index < len(document.tests):
            raise KeyError(f"no test number {self.index + 1}")
        self._before = document.tests[self.index]
        document.tests[self.index] = _copy(self.after)

    def revert(self, document: MappingDocument) -> None:
        assert self._before is not None, "revert before apply"
        document.tests[self.index] = self._before


@dataclass
class RemoveTest:
    """Delete the test case at `index`."""

    index: int
    name: str = ""
    _removed: TestCase | None = None

    @property
    def text(self) -> str:
        return f"Delete test {self.name or self.index + 1}"

    def apply(self, document: MappingDocument) -> None:
        if not 0 <= self.index < len(document.tests):
            raise KeyError(f"no test number {self.index + 1}")
        self._removed = document.tests.pop(self.index)

    def revert(self, document: MappingDocument) -> None:
        assert self._removed is not None, "revert before apply"
        document.tests.insert(self.index, self._removed)
