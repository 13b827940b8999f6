"""Undoable edits of a document's test cases (pure do/undo logic, Qt-free), and the
test a record makes.

Like the field mapping edits of `edits.py`, each stores what it needs to undo
itself and returns the change events of what it changed (the inverse ones when
reverted); the session wraps them in undo commands.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from fieldwright.authoring.events import Events, TestAdded, TestRemoved, TestReplaced
from fieldwright.domain import MappingDocument, TestCase
from fieldwright.domain.records import Position, SourceItem
from fieldwright.service import compile_mapping, preview_records

__all__ = ["AddTest", "RemoveTest", "ReplaceTest", "test_from_record", "unique_name"]


def unique_name(name: str, taken: Collection[str]) -> str:
    """`name`, or `name (2)`, `name (3)`… when it is taken."""
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def test_from_record(
    document: MappingDocument, record: dict[str, Any], name: str | None = None
) -> TestCase:
    """A test of `record` expecting what the mapping makes of it now.

    A record the mapping fails makes a test expecting the failure; one the
    filter drops, a test expecting it dropped. Raises `ServiceError` when the
    mapping does not compile, `ValidationError` when the record is not JSON.
    """
    compiled = compile_mapping(document)
    trace = preview_records(compiled, [SourceItem(Position(index=0), record)])[0].trace
    assert trace is not None  # the record is there
    status = trace.result.status.value
    default = f"record {record['id']}" if "id" in record else "preview record"
    return TestCase(
        name=unique_name(name or default, {t.name for t in document.tests}),
        input=record,
        expected=trace.result.output if status == "ok" else None,
        expect_failure=status == "failed",
        description="Added from a preview record",
    )


test_from_record.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


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

    def apply(self, document: MappingDocument) -> Events:
        at = len(document.tests) if self.index is None else self.index
        document.tests.insert(at, _copy(self.case))
        self.index = at
        return [TestAdded(at, self.case.name)]

    def revert(self, document: MappingDocument) -> Events:
        assert self.index is not None, "revert before apply"
        del document.tests[self.index]
        return [TestRemoved(self.index, self.case.name)]


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

    def apply(self, document: MappingDocument) -> Events:
        if not 0 <= self.index < len(document.tests):
            raise KeyError(f"no test number {self.index + 1}")
        self._before = document.tests[self.index]
        document.tests[self.index] = _copy(self.after)
        return [TestReplaced(self.index, self.after.name)]

    def revert(self, document: MappingDocument) -> Events:
        assert self._before is not None, "revert before apply"
        document.tests[self.index] = self._before
        return [TestReplaced(self.index, self._before.name)]


@dataclass
class RemoveTest:
    """Delete the test case at `index`."""

    index: int
    name: str = ""
    _removed: TestCase | None = None

    @property
    def text(self) -> str:
        return f"Delete test {self.name or self.index + 1}"

    def apply(self, document: MappingDocument) -> Events:
        if not 0 <= self.index < len(document.tests):
            raise KeyError(f"no test number {self.index + 1}")
        self._removed = document.tests.pop(self.index)
        return [TestRemoved(self.index, self._removed.name)]

    def revert(self, document: MappingDocument) -> Events:
        assert self._removed is not None, "revert before apply"
        document.tests.insert(self.index, self._removed)
        return [TestAdded(self.index, self._removed.name)]
