"""`fieldwright test`: run mapping documents' tests, with coverage and JUnit XML for CI."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from fieldwright.cli._common import ExitCode, console, database_option, fail, reported_errors
from fieldwright.cli.pipelines import print_pipeline_suite, test_pipeline_file
from fieldwright.cli.run_stored import close_keys
from fieldwright.service import (
    NotFound,
    Service,
    ServiceError,
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
@database_option
def test(mappings: tuple[Path, ...], junit: Path | None, url: str | None) -> None:
    """Run the tests of mapping and pipeline documents; exit 1 when any fails.

    An argument that is not a file is the business key of a stored pipeline or
    mapping (its latest version, from the store of --database).

    A pipeline's tests (its `tests`: input records, the expected output, each branch
    target's and the number of failures) are reported the same way, with the steps no
    test reaches as its coverage. A template file (`*.fwtemplate.json`) runs the tests
    of its mappings and of its pipeline.
    """
    suites: list[tuple[str, SuiteResult]] = []
    stored = _Stored(url)
    try:
        for path in mappings:
            if not path.exists() and _may_be_key(path):  # a stored document's key
                suites.append(stored.test(str(path)))
                continue
            suites += _test_file(path)
    finally:
        stored.close()
    if junit is not None:
        with reported_errors():
            write_junit(suites, junit)
    if any(not suite.ok for _, suite in suites):
        raise SystemExit(int(ExitCode.FAILED))


def _may_be_key(path: Path) -> bool:
    """Whether an argument that names no file may be a business key (no folder, not a
    `.json` name): a missing file stays a missing file, without opening the store."""
    return len(path.parts) == 1 and path.suffix.lower() != ".json"


def _test_file(path: Path) -> list[tuple[str, SuiteResult]]:
    if is_pipeline_file(path):  # issue 19: a pipeline's tests
        return [test_pipeline_file(path)]
    if is_template_file(path):  # issue 19 item 6: a template's mappings and pipeline
        return _test_template(path)
    with reported_errors():
        document = open_mapping(path)
        suite = test_mapping(document, source=str(path))
    _print_mapping_suite(document.key, str(path), suite)
    return [(document.key, suite)]


def _print_mapping_suite(key: str, where: str, suite: SuiteResult) -> None:
    console.print(f"[bold]{escape(key)}[/] ({escape(where)})")
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


class _Stored:
    """The store, opened when an argument first names a key rather than a file."""

    def __init__(self, url: str | None) -> None:
        self._url = url
        self._service: Service | None = None

    def _open(self) -> Service:
        if self._service is None:
            try:
                self._service = Service.open(self._url)
            except ServiceError as exc:
                fail(escape(str(exc)))
        assert self._service is not None  # fail() exits
        return self._service

    def test(self, key: str) -> tuple[str, SuiteResult]:
        """Run stored pipeline (or mapping) `key`'s tests, its latest version, and print them."""
        service = self._open()
        where = "stored, version {}"
        try:
            if service.pipelines.exists(key):
                version = service.pipelines.open(key).version
                suite = service.pipelines.run_tests(key)
                print_pipeline_suite(key, where.format(version), suite)
                return key, suite
            try:
                document = service.open_mapping(key)
            except NotFound:
                close = close_keys(service, key)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                fail(
                    f"{escape(key)}: no such file, and no stored mapping or pipeline has this "
                    f"key{escape(hint)}"
                )
                raise AssertionError("unreachable") from None  # pragma: no cover
            suite = test_mapping(document, source=key)
        except ServiceError as exc:
            fail(f"{escape(key)}: {escape(str(exc))}")
            raise AssertionError("unreachable") from exc  # pragma: no cover
        _print_mapping_suite(key, where.format(document.version), suite)
        return key, suite

    def close(self) -> None:
        if self._service is not None:
            self._service.close()


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
