"""The `fieldwright` executable: the desktop app with no command, else the command line.

It sits outside the layers on purpose: `fieldwright.cli` and `fieldwright.app`
are siblings that may not import each other, and this module only chooses
between them. `fieldwright` (or `fieldwright MAPPING.fwmap.json`, as a file
manager calls it) opens the app; `fieldwright --self-test [MAPPING]` checks an
installation (wheel or frozen app) end to end in an offscreen main window;
`fieldwright COMMAND …` runs the command.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["main"]

SELF_TEST = "--self-test"


def _names_document(argv: list[str]) -> bool:
    """The first argument is a mapping document's path (commands never end in .json)."""
    return bool(argv) and not argv[0].startswith("-") and argv[0].endswith(".json")


def _opens_app(argv: list[str]) -> bool:
    return not argv or (_names_document(argv) and Path(argv[0]).is_file())


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [SELF_TEST]:
        from fieldwright._display import display_problem  # subprocess & co.: the app's only

        problem = display_problem()
        if problem is not None:  # Qt would abort, or fail to import: say what to do
            print(f"self-test FAILED: {problem}", file=sys.stderr)
            raise SystemExit(1)
        from fieldwright.app.shell.selftest import main as self_test  # Qt only when asked for

        raise SystemExit(self_test(args[1:]))
    if _opens_app(args):
        from fieldwright._display import display_problem

        problem = display_problem()
        if problem is not None:  # Qt would abort the process; say what to do instead
            print(problem, file=sys.stderr)
            raise SystemExit(2)
        from fieldwright.app.shell.main import run_app  # Qt is imported only for the app

        raise SystemExit(run_app(args))
    if _names_document(args):
        print(f"fieldwright: no such mapping file: {args[0]}", file=sys.stderr)
        raise SystemExit(2)
    from fieldwright.cli.main import cli

    cli.main(args=args, prog_name="fieldwright")
