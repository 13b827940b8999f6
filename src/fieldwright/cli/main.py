"""The `fieldwright` command: with no arguments it opens the desktop app."""

from __future__ import annotations

import sys

import click

from fieldwright import __version__

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


def _register_commands() -> None:
    """Each command group lives in its own module of fieldwright.cli."""


def main(argv: list[str] | None = None) -> int:
    _register_commands()
    try:
        cli.main(args=argv, prog_name="fieldwright", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
