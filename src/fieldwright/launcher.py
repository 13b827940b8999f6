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


def _opens_app(argv: list[str]) -> bool:
    if not argv:
        return True
    first = argv[0]
    return not first.startswith("-") and first.endswith(".json") and Path(first).is_file()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [SELF_TEST]:
        from fieldwright.app.selftest import main as self_test  # Qt only when asked for

        raise SystemExit(self_test(args[1:]))
    if _opens_app(args):
        from fieldwright.app.main import run_app  # Qt is imported only for the app

        raise SystemExit(run_app(args))
    from fieldwright.cli.main import cli

    cli.main(args=args, prog_name="fieldwright")
