"""`fieldwright db info|upgrade|current` and `fieldwright export|import` (mapping and pipeline
documents)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from fieldwright.cli._common import database_option
from fieldwright.service import (
    InvalidRequest,
    ServiceError,
    current_revision,
    database_info,
    export_mapping,
    export_pipeline,
    import_mapping,
    import_pipeline,
    is_pipeline_file,
    is_stored_pipeline,
    upgrade_database,
)

__all__ = ["db", "export_command", "import_command"]

P = ParamSpec("P")
R = TypeVar("R")


def _clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Service errors (the store, a document, a file) become one clear message and exit code 1;
    a request that cannot be done as given (a database URL that cannot be parsed) exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InvalidRequest as exc:
            raise click.UsageError(str(exc)) from exc
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group("db")
def db() -> None:
    """Inspect and migrate the store (mappings, schedules, run history)."""


@db.command("info")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print the information as JSON.")
@_clear_errors
def info(url: str | None, as_json: bool) -> None:
    """Where the store is and whether its schema is up to date."""
    details = database_info(url)
    if as_json:
        click.echo(json.dumps(details, indent=2, default=str))
        return
    width = max(len(name) for name in details)
    for name, value in details.items():
        if value is not None:
            click.echo(f"{name.ljust(width)}  {value}")


@db.command("upgrade")
@database_option
@_clear_errors
def upgrade(url: str | None) -> None:
    """Create the store or migrate it to this version's schema (a SQLite file is backed up)."""
    revision = upgrade_database(url)
    click.echo(f"database is at revision {revision}")


@db.command("current")
@database_option
@_clear_errors
def current(url: str | None) -> None:
    """Print the schema revision of the store ("none" when it is empty)."""
    click.echo(current_revision(url) or "none")


@click.command("export")
@click.argument("key")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--version", "version", type=click.IntRange(min=1), help="Default: the latest.")
@database_option
@_clear_errors
def export_command(key: str, path: Path, version: int | None, url: str | None) -> None:
    """Write mapping or pipeline KEY from the store to PATH as its document."""
    if is_stored_pipeline(key, url):
        written = export_pipeline(key, path, version=version, url=url)
    else:
        written = export_mapping(key, path, version=version, url=url)
    click.echo(f"wrote {written}")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
@_clear_errors
def import_command(path: Path, url: str | None) -> None:
    """Store the mapping or pipeline document at PATH (an existing key gets a new version)."""
    saved = (
        import_pipeline(path, url=url) if is_pipeline_file(path) else import_mapping(path, url=url)
    )
    click.echo(f"imported {saved.key} as version {saved.version}")
