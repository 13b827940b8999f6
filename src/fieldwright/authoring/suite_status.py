"""What the last test run says about a mapping, without Qt.

`TestStatus` is what the Designer reads to mark its target fields tested,
untested or failing; `outcome` names a test's state for the Tests panel;
`json_lines` pretty-prints a JSON value with the JSONPath of every line, so a
difference's path can be found (and highlighted) in the expected and actual
records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fieldwright.domain import MappingDocument, member_path

if TYPE_CHECKING:
    from fieldwright.service import Coverage, TestResult

__all__ = [
    "FieldMark",
    "Outcome",
    "TestStatus",
    "json_lines",
    "outcome",
    "status_of",
    "touches",
]

_INDEX = re.compile(r"\[\d+\]")


class Outcome(StrEnum):
    NOT_RUN = "not run"
    PASSED = "passed"
    FAILED = "failed"  #: ran, and the output is not the expected one
    ERROR = "error"  #: the record failed unexpectedly, or the tests could not run


class FieldMark(StrEnum):
    TESTED = "tested"
    UNTESTED = "untested"
    FAILING = "failing"


def outcome(result: TestResult | None) -> Outcome:
    if result is None:
        return Outcome.NOT_RUN
    if result.passed:
        return Outcome.PASSED
    trace = result.trace
    if trace is not None and trace.result.status.value == "failed" and not result.differences:
        return Outcome.ERROR
    return Outcome.FAILED


def touches(path: str, other: str) -> bool:
    """Whether one of two JSONPaths is the other or lies inside it."""
    if path == other:
        return True
    inner, outer = (path, other) if len(path) > len(other) else (other, path)
    return inner.startswith((outer + ".", outer + "["))


@dataclass(frozen=True, slots=True)
class TestStatus:
    """The target paths of field mappings some test checks, and those a failing test breaks."""

    __test__ = False  # not a pytest class

    covered: frozenset[str] = frozenset()
    failing: frozenset[str] = frozenset()

    def mark(self, target: str) -> FieldMark:
        if target in self.failing:
            return FieldMark.FAILING
        return FieldMark.TESTED if target in self.covered else FieldMark.UNTESTED


def _failing_paths(result: TestResult) -> Iterable[str]:
    for difference in result.differences:
        yield _INDEX.sub("[*]", difference.path)
    if result.trace is not None:
        for error in result.trace.result.failures:
            yield error.target


def status_of(
    document: MappingDocument, results: Iterable[TestResult], coverage: Coverage
) -> TestStatus:
    """The designer's marks from test results over `document` and its tests' coverage."""
    failing: set[str] = set()
    targets = [m.target for m in document.fields]
    for result in results:
        if result.passed:
            continue
        for path in _failing_paths(result):
            failing.update(t for t in targets if touches(t, path))
    return TestStatus(frozenset(coverage.checked), frozenset(failing))


# -- pretty JSON with the path of each line ---------------------------------------------


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _emit(
    value: Any, path: str, indent: str, head: str, tail: str, out: list[tuple[str, str]]
) -> None:
    if isinstance(value, dict) and value:
        out.append((f"{indent}{head}{{", path))
        for number, (key, item) in enumerate(value.items(), start=1):
            comma = "," if number < len(value) else ""
            _emit(item, member_path(path, str(key)), indent + "  ", f"{_scalar(key)}: ", comma, out)
        out.append((f"{indent}}}{tail}", path))
    elif isinstance(value, list) and value:
        out.append((f"{indent}{head}[", path))
        for number, item in enumerate(value):
            comma = "," if number < len(value) - 1 else ""
            _emit(item, f"{path}[{number}]", indent + "  ", "", comma, out)
        out.append((f"{indent}]{tail}", path))
    else:
        out.append((f"{indent}{head}{_scalar(value)}{tail}", path))


def json_lines(value: Any) -> list[tuple[str, str]]:
    """`value` as indented JSON, one (line, JSONPath of the value on it) per line."""
    out: list[tuple[str, str]] = []
    _emit(value, "$", "", "", "", out)
    return out
