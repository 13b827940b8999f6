"""The `fieldwright` command line (the launcher opens the app when no command is given)."""

from __future__ import annotations

import importlib

import click

from fieldwright import __version__

__all__ = ["cli", "main"]

#: Each command lives in its own module and is imported only when it runs (or
#: when --help lists them), so `fieldwright run` does not pay for the store,
#: the scheduler or the HTTP client at start-up.
COMMANDS = {
    "run": "fieldwright.cli.run:run",
    "validate": "fieldwright.cli.reference:validate",
    "preview": "fieldwright.cli.reference:preview",
    "test": "fieldwright.cli.testing:test",
    "functions": "fieldwright.cli.reference:functions",
    "schema": "fieldwright.cli.reference:schema",
    "db": "fieldwright.cli.db:db",
    "export": "fieldwright.cli.db:export_command",
    "import": "fieldwright.cli.db:import_command",
    "serve": "fieldwright.cli.serve:serve",
    "review": "fieldwright.cli.review:review",
    "schedules": "fieldwright.cli.schedules:schedules",
    "templates": "fieldwright.cli.templates:templates",
    "transformations": "fieldwright.cli.transformations:transformations",
    "status": "fieldwright.cli.status:status",
    "sla": "fieldwright.cli.status:sla",
    "integrations": "fieldwright.cli.integrations:integrations",
    "credentials": "fieldwright.cli.credentials:credentials",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="fieldwright")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Fieldwright: design, test, schedule and run record mappings.

    `fieldwright` alone (or with a .fwmap.json file) opens the desktop app.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def main() -> None:
    """The console script."""
    cli(prog_name="fieldwright")


if __name__ == "__main__":
    main()
