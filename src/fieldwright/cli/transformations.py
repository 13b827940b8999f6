"""`fieldwright transformations`: the stored transformations (named reusable chains) from
the command line (issue 19, item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from fieldwright.cli._common import ExitCode, console, database_option, reported_errors
from fieldwright.service import ChainTestRun, Service

__all__ = ["transformations"]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@click.group()
def transformations() -> None:
    """List, show, test, import and export stored transformations (named chains)."""


@transformations.command("list")
@database_option
@click.option("--search", help="Match key, chain name or description.")
def list_command(url: str | None, search: str | None) -> None:
    """Stored transformations by chain name, with their latest version."""
    with reported_errors(), Service.open(url) as service:
        found = service.transformations.list_transformations(search)
    for item in found:
        console.print(
            f"[bold]@{escape(item.name)}[/] v{item.latest_version}  {escape(item.key)}  "
            f"({item.type.value}; {item.step_count} steps, {item.test_count} tests)"
            + (f"  {escape(item.description)}" if item.description else "")
        )
    console.print(f"{len(found)} transformations")


@transformations.command("show")
@database_option
@click.argument("key")
@click.option("--version", "version", type=click.IntRange(min=1), help="Default: the latest.")
@click.option("--history", is_flag=True, help="List every version: who saved it, when, its hash.")
@click.option(
    "--diff", "diff_from", type=click.IntRange(min=1), help="Changes from this version on."
)
def show_command(
    url: str | None, key: str, version: int | None, history: bool, diff_from: int | None
) -> None:
    """A transformation's steps and test cases (KEY, or @NAME for its chain name)."""
    with reported_errors(), Service.open(url) as service:
        stored = service.transformations
        document = stored.open_chain(key[1:]) if key.startswith("@") else stored.open(key, version)
        versions = stored.history(document.key) if history else []
        diff = stored.diff(document.key, diff_from, version) if diff_from else None
    console.print(
        f"[bold]@{escape(document.name)}[/] v{document.version}  {escape(document.key)}  "
        f"({document.type.value})"
    )
    if document.description:
        console.print(f"  {escape(document.description)}")
    hints = " → ".join(h or "any" for h in (document.input_type, document.output_type))
    console.print(f"  types: {escape(hints)}")
    console.print("steps:")
    for index, step in enumerate(document.steps):
        args = ", ".join(_json(arg) for arg in step.args)
        console.print(f"  {index}. {escape(step.fn)}({escape(args)})")
    console.print(f"tests: {len(document.tests)}")
    for case in document.tests:
        wanted = "an error" if case.expect_error else _json(case.expected)
        console.print(f"  {escape(case.name)}: {escape(_json(case.input))} → {escape(wanted)}")
    for info in versions:
        console.print(
            f"  v{info.version} {info.saved_at:%Y-%m-%d %H:%M} {escape(info.saved_by)} "
            f"{info.content_sha256[:12]} {escape(info.comment)}"
        )
    if diff is not None:
        console.print(f"changes v{diff.old_version} → v{diff.new_version}:")
        for line in diff.lines():
            console.print(f"  {escape(line)}")


def print_run(run: ChainTestRun) -> None:
    for problem in run.problems:
        console.print(f"  [red]{escape(str(problem))}[/]")
    for result in run.results:
        mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
        got = f"error: {result.error}" if result.error is not None else _json(result.actual)
        console.print(f"  {mark} {escape(result.name)}: {escape(got)}")
        if result.message:
            console.print(f"      {escape(result.message)}")


@transformations.command("test")
@database_option
@click.argument("keys", nargs=-1)
def test_command(url: str | None, keys: tuple[str, ...]) -> None:
    """Run the test cases of KEYS (default: every stored transformation); exit 1 if any
    fails."""
    failed = 0
    with reported_errors(), Service.open(url) as service:
        stored = service.transformations
        chosen = list(keys) or [item.key for item in stored.list_transformations()]
        for key in chosen:
            run = stored.run_tests(key)
            console.print(f"[bold]{escape(key)}[/]: {run.passed} passed, {run.failed} failed")
            print_run(run)
            failed += 0 if run.ok else 1
    console.print(f"{len(chosen) - failed} of {len(chosen)} transformations pass their tests")
    if failed:
        raise SystemExit(int(ExitCode.FAILED))


@transformations.command("import")
@database_option
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_command(url: str | None, paths: tuple[Path, ...]) -> None:
    """Store transformation files: new ones, or new versions of their keys."""
    with reported_errors(), Service.open(url) as service:
        for path in paths:
            info = service.transformations.import_file(path)
            console.print(f"imported @{escape(info.name)} as {escape(info.key)} v{info.version}")


@transformations.command("export")
@database_option
@click.argument("key")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--version", "version", type=click.IntRange(min=1), help="Default: the latest.")
def export_command(url: str | None, key: str, path: Path, version: int | None) -> None:
    """Write transformation KEY to PATH (a folder: KEY.json in it)."""
    with reported_errors(), Service.open(url) as service:
        written = service.transformations.export_file(key, path, version)
    console.print(f"wrote {escape(str(written))}")
