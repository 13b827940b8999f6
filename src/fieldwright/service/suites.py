"""Test suites for the desktop app and the command line: run some or all of a document's
tests with progress, and write the results as JUnit XML for CI.

`SuiteResult`, `TestResult`, `Coverage` and `Difference` are the engine's result types,
re-exported for the app and the CLI, which name them but never import the engine.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection
from pathlib import Path

from fieldwright.domain import MappingDocument
from fieldwright.engine import (
    CompiledMapping,
    Coverage,
    Difference,
    SuiteResult,
    TestResult,
    coverage,
    run_tests,
)
from fieldwright.service.errors import DataError
from fieldwright.service.mappings import compile_mapping

__all__ = [
    "Coverage",
    "Difference",
    "SuiteResult",
    "TestResult",
    "junit_xml",
    "run_document_tests",
    "write_junit",
]

#: Called with (tests done, tests to run) after each test.
TestProgress = Callable[[int, int], None]
PROGRESS_STEPS = 50


def run_document_tests(
    document: MappingDocument,
    indexes: Collection[int] | None = None,
    *,
    on_progress: TestProgress | None = None,
    compiled: CompiledMapping | None = None,
) -> SuiteResult:
    """Run the tests at `indexes` of `document.tests` (default: all), reporting progress.

    The results are in the order of the document's tests; coverage always
    counts every test of the document, whichever ran. `compiled` is `document`
    already compiled (the app compiles once per change); without it, it is compiled here.
    """
    if compiled is None:
        compiled = compile_mapping(document)
    wanted = None if indexes is None else set(indexes)
    chosen = [test for i, test in enumerate(document.tests) if wanted is None or i in wanted]
    # At most PROGRESS_STEPS reports: each engine call also measures coverage.
    step = max(1, -(-len(chosen) // PROGRESS_STEPS))
    results = []
    for start in range(0, len(chosen), step):
        results += run_tests(compiled, chosen[start : start + step]).results
        if on_progress is not None:
            on_progress(len(results), len(chosen))
    return SuiteResult(results, coverage(compiled, document.tests))


def junit_xml(suites: list[tuple[str, SuiteResult]]) -> ET.ElementTree:
    """JUnit XML: one testsuite per document, one testcase per test."""
    root = ET.Element("testsuites", name="fieldwright")
    total = failures = 0
    for name, suite in suites:
        element = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(suite.results)),
            failures=str(suite.failed),
            errors="0",
            time=f"{sum(r.seconds for r in suite.results):.6f}",
        )
        properties = ET.SubElement(element, "properties")
        ET.SubElement(properties, "property", name="coverage", value=f"{suite.coverage.ratio:.4f}")
        for result in suite.results:
            case = ET.SubElement(
                element, "testcase", classname=name, name=result.name, time=f"{result.seconds:.6f}"
            )
            if not result.passed:
                lines = [result.message] if result.message else []
                lines += [str(d) for d in result.differences]
                failure = ET.SubElement(
                    case, "failure", message=lines[0] if lines else "failed", type=result.kind
                )
                failure.text = "\n".join(lines)
        total += len(suite.results)
        failures += suite.failed
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(suites: list[tuple[str, SuiteResult]], path: Path) -> None:
    """Write `junit_xml(suites)` to `path`, creating its folder; `DataError` when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        junit_xml(suites).write(path, encoding="utf-8", xml_declaration=True)
    except OSError as exc:
        raise DataError(f"{path}: cannot write the JUnit report: {exc.strerror or exc}") from exc
