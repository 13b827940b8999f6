"""`fieldwright templates`: the template library from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from fieldwright.cli._common import console, database_option, reported_errors
from fieldwright.service import Service

__all__ = ["templates"]


@click.group()
def templates() -> None:
    """List, use, import and export mapping templates."""


@templates.command("list")
@database_option
@click.option("--search", help="Match code, name, description or system names.")
@click.option("--category", help="compliance, security, hr, finance, operations or custom.")
def list_command(url: str | None, search: str | None, category: str | None) -> None:
    """Templates with their version, size and recomputed certification."""
    with reported_errors(), Service.open(url) as service:
        found = service.templates.list_templates(search, category)
    for template in found:
        badge = "[green]certified[/]" if template.certified else "[red]tests fail[/]"
        size = f"{template.mapping_count} mappings, {template.test_count} tests"
        if template.pipeline_steps:
            size += f", a pipeline of {template.pipeline_steps} steps"
        console.print(
            f"[bold]{escape(template.code)}[/] v{template.version}  {escape(template.name)}  "
            f"({template.category}; {size}; {badge})"
        )
    console.print(f"{len(found)} templates")


@templates.command("use")
@database_option
@click.argument("code")
@click.argument("client")
@click.option("--name", help="The new mapping's name (default: the template's and the client).")
def use_command(url: str | None, code: str, client: str, name: str | None) -> None:
    """Create mapping_{SRC}_{TGT}_{CLIENT}_{date} in the store from template CODE; a
    template with a pipeline creates its mappings and pipeline_{SRC}_{TGT}_{CLIENT}_{date}."""
    with reported_errors(), Service.open(url) as service:
        made = service.templates.use(code, client, name=name)
        documents = [service.open_mapping(key) for key in made.mapping_keys]
    for document in documents:
        console.print(f"created {escape(document.key)} ({len(document.fields)} field mappings)")
    if made.pipeline_key is not None:
        console.print(f"created pipeline {escape(made.pipeline_key)}")


@templates.command("import")
@database_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(url: str | None, path: Path) -> None:
    """Add a template file to the library (validated, its tests run)."""
    with reported_errors(), Service.open(url) as service:
        summary = service.templates.import_template(path)
    state = "certified" if summary.certified else "NOT certified: its tests fail"
    console.print(f"imported {escape(summary.code)} v{summary.version} ({state})")


@templates.command("export")
@database_option
@click.argument("code")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--version", "version", type=click.IntRange(min=1), help="Default: the latest.")
def export_command(url: str | None, code: str, path: Path, version: int | None) -> None:
    """Write template CODE to PATH."""
    with reported_errors(), Service.open(url) as service:
        written = service.templates.export_template(code, version, path)
    console.print(f"wrote {escape(str(written))}")
