"""The `fieldwright` command: with no arguments it opens the desktop app."""

from __future__ import annotations

import click

from fieldwright import __version__
from fieldwright.cli.db import db, export_command, import_command
from fieldwright.cli.reference import functions, preview, schema, validate
from fieldwright.cli.run import run
from fieldwright.cli.serve import serve
from fieldwright.cli.testing import test

__all__ = ["cli", "main"]


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fieldwright")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Fieldwright: design, test, schedule and run record mappings.

    With no command, opens the desktop app.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


# Each command lives in its own module of fieldwright.cli.
for _command in (
    run,
    validate,
    preview,
    test,
    functions,
    schema,
    db,
    export_command,
    import_command,
    serve,
):
    cli.add_command(_command)


def main() -> None:
    """The console script."""
    cli(prog_name="fieldwright")


if __name__ == "__main__":
    main()
