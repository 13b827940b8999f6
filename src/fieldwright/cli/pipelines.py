"""`fieldwright run` and `fieldwright validate` for pipeline documents (issue 19).

`run.py` and `reference.py` hand a file over here when it is a pipeline
(`is_pipeline_file`); the summary adds what each step did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rich.markup import escape

from fieldwright.cli._common import ExitCode, console, reported_errors
from fieldwright.domain import ErrorStrategy
from fieldwright.domain.runs import RunStatus
from fieldwright.service import (
    CompiledPipeline,
    InvalidDocument,
    PipelineRunResult,
    RunProgress,
    StepCounts,
    SuiteResult,
    check_pipeline,
    compile_pipeline_file,
    open_pipeline,
    preview_pipeline_file,
    run_pipeline_file,
    run_pipeline_suite,
)

__all__ = [
    "pipeline_exit_code",
    "preview_pipeline",
    "print_pipeline_suite",
    "print_steps",
    "run_pipeline",
    "test_pipeline_file",
    "validate_pipeline_file",
]


def _step_line(step: StepCounts) -> str:
    parts = [f"in {step.received:,}", f"out {step.emitted:,}"]
    for label, value in (
        ("failed", step.failed),
        ("filtered", step.filtered),
        ("merged", step.merged),
        ("expanded", step.expanded),
    ):
        if value:
            parts.append(f"{label} {value:,}")
    return f"  {escape(step.name)} ({step.type}): " + ", ".join(parts)


def print_steps(steps: tuple[StepCounts, ...]) -> None:
    """Each step's counts, one line per step."""
    if steps:
        console.print("steps:")
        for step in steps:
            console.print(_step_line(step))


def load_pipeline_or_exit(path: Path) -> CompiledPipeline:
    with reported_errors():
        return compile_pipeline_file(path)
    raise AssertionError("unreachable")  # pragma: no cover


def run_pipeline(
    path: Path,
    input_path: Path,
    output_path: Path,
    *,
    input_format: str | None,
    output_format: str | None,
    strategy: ErrorStrategy | None,
    input_settings: Mapping[str, Any],
    on_progress: Callable[[RunProgress], None] | None,
) -> PipelineRunResult:
    """Run a pipeline file; exits with a message when it or the files cannot be used.

    The collector is tuned for the run as for a mapping file's (run.py): the steps make
    no reference cycles per record, and young collections every 700 allocations took a
    twentieth of the `lines` pipeline's processor time."""
    from fieldwright.cli.run import _collector_for_a_run

    compiled = load_pipeline_or_exit(path)
    with reported_errors(), _collector_for_a_run():
        return run_pipeline_file(
            compiled,
            input_path,
            output_path,
            input_format=input_format,
            output_format=output_format,
            strategy=strategy,
            input_settings=input_settings,
            on_progress=on_progress,
        )
    raise AssertionError("unreachable")  # pragma: no cover


def pipeline_exit_code(result: PipelineRunResult) -> int:
    if result.result.status is not RunStatus.COMPLETED:
        return int(ExitCode.FAILED)
    return int(ExitCode.RECORDS_FAILED) if result.result.counts.failed else int(ExitCode.OK)


def validate_pipeline_file(path: Path) -> bool:
    """Print a pipeline file's problems (or ok); whether it has none."""
    try:
        document = open_pipeline(path)
    except InvalidDocument as exc:
        console.print(escape(str(exc)))
        return False
    problems = check_pipeline(document, base=path.parent, probe=True)
    if problems:
        console.print(f"{escape(str(path))}: {len(problems)} problem(s):")
        for problem in problems:
            console.print(f"  {escape(str(problem))}")
        return False
    kinds = ", ".join(step.type for step in document.steps) or "no steps"
    console.print(f"{escape(str(path))}: ok (pipeline of {len(document.steps)} steps: {kinds})")
    return True


def preview_pipeline(
    path: Path,
    input_path: Path,
    *,
    limit: int,
    input_format: str | None,
    settings: Mapping[str, Any],
) -> None:
    """Print what each step of a pipeline gives on the first `limit` records of a file."""
    compiled = load_pipeline_or_exit(path)
    with reported_errors():
        preview = preview_pipeline_file(
            compiled, input_path, limit=limit, format=input_format, settings=settings
        )
    for sample in preview.steps:
        console.print(f"[bold]{_step_line(sample.counts).strip()}[/]")
        for origin, record in zip(sample.origins, sample.records, strict=True):
            text = json.dumps(record, ensure_ascii=False, default=str)
            console.print(f"  {escape(origin)}: {escape(text)}")
    for letter in preview.letters:
        console.print(f"[red]{escape(letter.position_text)}: {escape(letter.reason)}[/]")
    if preview.error is not None:
        console.print(f"[red]stopped: {escape(preview.error)}[/]")


def test_pipeline_file(path: Path) -> tuple[str, SuiteResult]:
    """Run a pipeline file's tests and print each; its key and suite (for JUnit)."""
    compiled = load_pipeline_or_exit(path)
    with reported_errors():
        suite = run_pipeline_suite(compiled)
    print_pipeline_suite(compiled.document.key, str(path), suite)
    return compiled.document.key, suite


def print_pipeline_suite(key: str, where: str, suite: SuiteResult) -> None:
    """A pipeline's test results: a line per test, its messages, and the steps reached."""
    console.print(f"[bold]{escape(key)}[/] ({escape(where)})")
    for result in suite.results:
        mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
        console.print(f"  {mark} {escape(result.name)}")
        for line in result.message.splitlines():
            console.print(f"      {escape(line)}")
    coverage = suite.coverage
    total = len(coverage.checked) + len(coverage.unchecked)
    console.print(
        f"  {suite.passed} passed, {suite.failed} failed; "
        f"steps reached {len(coverage.checked)} of {total}"
    )
    if coverage.unchecked:
        console.print(f"  [dim]no test reaches: {escape(', '.join(coverage.unchecked))}[/]")
