"""`fieldwright test`: run mapping documents' tests, with coverage and JUnit XML for CI."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from fieldwright.cli._common import ExitCode, console, reported_errors
from fieldwright.cli.pipelines import test_pipeline_file
from fieldwright.service import (
    SuiteResult,
    is_pipeline_file,
    is_template_file,
    open_mapping,
    test_mapping,
    test_template_file,
    write_junit,
)

__all__ = ["test"]


@click.command()
@click.argument("mappings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--junit", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML here."
)
def test(mappings: tuple[Path, ...], junit: Path | None) -> None:
    """Run the tests of mapping and pipeline documents; exit 1 when any fails.

    A pipeline's tests (its `tests`: input records, the expected output, each branch
    target's and the number of failures) are reported the same way, with the steps no
    test reaches as its coverage. A template file (`*.fwtemplate.json`) runs the tests
    of its mappings and of its pipeline.
    """
    suites: list[tuple[str, SuiteResult]] = []
    for path in mappings:
        if is_pipeline_file(path):  # issue 19: a pipeline's tests
            suites.append(test_pipeline_file(path))
            continue
        if is_template_file(path):  # issue 19 item 6: a template's mappings and pipeline
            suites += _test_template(path)
            continue
        with reported_errors():
            document = open_mapping(path)
            suite = test_mapping(document, source=str(path))
        suites.append((document.key, suite))
        console.print(f"[bold]{escape(document.key)}[/] ({escape(str(path))})")
        for result in suite.results:
            mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
            console.print(f"  {mark} {escape(result.name)} [dim]({result.kind})[/]")
            if result.message:
                console.print(f"      {escape(result.message)}")
            for difference in result.differences:
                console.print(f"      {escape(str(difference))}")
        coverage = suite.coverage
        console.print(
            f"  {suite.passed} passed, {suite.failed} failed; coverage {coverage.ratio:.0%} "
            f"({len(coverage.checked)} of {len(coverage.checked) + len(coverage.unchecked)} "
            "fields checked)"
        )
        if coverage.unchecked:
            console.print(f"  [dim]untested: {escape(', '.join(coverage.unchecked))}[/]")
    if junit is not None:
        with reported_errors():
            write_junit(suites, junit)
    if any(not suite.ok for _, suite in suites):
        raise SystemExit(int(ExitCode.FAILED))


def _test_template(path: Path) -> list[tuple[str, SuiteResult]]:
    with reported_errors():
        suites = test_template_file(path)
    console.print(f"[bold]{escape(str(path))}[/]")
    for name, suite in suites:
        console.print(f"  [bold]{escape(name)}[/]")
        for result in suite.results:
            mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
            console.print(f"    {mark} {escape(result.name)}")
            for line in result.message.splitlines():
                console.print(f"        {escape(line)}")
            for difference in result.differences:
                console.print(f"        {escape(str(difference))}")
        console.print(f"    {suite.passed} passed, {suite.failed} failed")
    return suites
