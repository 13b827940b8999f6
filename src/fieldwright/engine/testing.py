"""Run a document's tests: actual against expected, field by field, with coverage."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldwright.domain import TestCase, member_path
from fieldwright.engine.compiler import CompiledMapping
from fieldwright.engine.paths import TargetPath
from fieldwright.engine.results import RecordStatus
from fieldwright.engine.trace import RecordTrace, trace_record

__all__ = [
    "MISSING",
    "Coverage",
    "Difference",
    "SuiteResult",
    "TestResult",
    "compare",
    "coverage",
    "run_tests",
]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


#: Stands for a key or item that is not there, in a Difference.
MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Difference:
    path: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected!r}, got {self.actual!r}"


def _key_path(parent: str, key: str) -> str:
    return member_path(parent, key)


def _same_scalar(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    return type(expected) is type(actual) and bool(expected == actual)


def compare(expected: Any, actual: Any, path: str = "$") -> list[Difference]:
    """Differences between two JSON values, each at its JSONPath."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        differences: list[Difference] = []
        for key in expected:
            child = _key_path(path, key)
            if key not in actual:
                differences.append(Difference(child, expected[key], MISSING))
            else:
                differences += compare(expected[key], actual[key], child)
        differences += [
            Difference(_key_path(path, key), MISSING, actual[key])
            for key in actual
            if key not in expected
        ]
        return differences
    if isinstance(expected, list) and isinstance(actual, list):
        differences = []
        for index in range(max(len(expected), len(actual))):
            child = f"{path}[{index}]"
            if index >= len(actual):
                differences.append(Difference(child, expected[index], MISSING))
            elif index >= len(expected):
                differences.append(Difference(child, MISSING, actual[index]))
            else:
                differences += compare(expected[index], actual[index], child)
        return differences
    if _same_scalar(expected, actual):
        return []
    return [Difference(path, expected, actual)]


@dataclass(slots=True)
class TestResult:
    __test__ = False

    name: str
    kind: str
    passed: bool
    differences: list[Difference] = field(default_factory=list)
    #: Why the test failed beyond field differences (unexpected failure, filtering).
    message: str = ""
    actual: dict[str, Any] | None = None
    trace: RecordTrace | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Coverage:
    checked: tuple[str, ...]
    unchecked: tuple[str, ...]

    @property
    def ratio(self) -> float:
        total = len(self.checked) + len(self.unchecked)
        return len(self.checked) / total if total else 1.0


@dataclass(slots=True)
class SuiteResult:
    results: list[TestResult]
    coverage: Coverage

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0


def _run_one(compiled: CompiledMapping, test: TestCase) -> TestResult:
    started = time.perf_counter()
    trace = trace_record(compiled, test.input)
    result = trace.result
    outcome = TestResult(test.name, test.kind.value, False, actual=result.output, trace=trace)
    if test.expect_failure:
        outcome.passed = result.status is RecordStatus.FAILED
        if not outcome.passed:
            outcome.message = f"expected the record to fail, but it was {result.status.value}"
    elif result.status is RecordStatus.FAILED:
        outcome.message = f"the record failed: {result.reason()}"
    elif test.expected is None:
        outcome.passed = result.status is RecordStatus.FILTERED
        if not outcome.passed:
            outcome.message = "expected the filter to drop the record, but it was mapped"
    elif result.status is RecordStatus.FILTERED:
        outcome.message = "the filter dropped the record"
    else:
        outcome.differences = compare(test.expected, result.output)
        outcome.passed = not outcome.differences
    outcome.seconds = time.perf_counter() - started
    return outcome


def coverage(compiled: CompiledMapping, tests: Sequence[TestCase]) -> Coverage:
    """Which active field mappings have their target checked by at least one test."""
    checked: list[str] = []
    unchecked: list[str] = []
    expected = [t.expected for t in tests if t.expected is not None]
    for compiled_field in compiled.fields:
        target: TargetPath = compiled_field.target
        if any(target.lookup(record) for record in expected):
            checked.append(target.text)
        else:
            unchecked.append(target.text)
    return Coverage(tuple(checked), tuple(unchecked))


def run_tests(compiled: CompiledMapping, tests: Sequence[TestCase] | None = None) -> SuiteResult:
    """Run `tests` (default: all of the document's) and compute coverage."""
    chosen = list(compiled.document.tests if tests is None else tests)
    results = [_run_one(compiled, test) for test in chosen]
    return SuiteResult(results, coverage(compiled, compiled.document.tests))
