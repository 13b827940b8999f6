"""What every command shares: exit codes, error reporting, loading documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from fieldwright.service import (
    CompiledMapping,
    InvalidDocument,
    ServiceError,
    compile_mapping,
    open_mapping,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "ExitCode",
    "console",
    "database_option",
    "err_console",
    "escape",
    "fail",
    "input_option",
    "load_or_exit",
    "mapping_argument",
    "reported_errors",
    "rich_console",
    "say",
    "source_options",
    "source_settings",
]


class ExitCode(IntEnum):
    OK = 0
    #: The run failed (fail_fast, a sink error), tests failed or a document is invalid.
    FAILED = 1
    #: Bad usage, a broken document or an unreadable input: nothing was run.
    USAGE = 2
    #: The run completed, but some records failed and went to the dead letters.
    RECORDS_FAILED = 3


#: The store a command reads or writes (here, not in db.py, so that `fieldwright run FILE`
#: does not import the store's commands and their dependencies).
database_option = click.option(
    "-d",
    "--database",
    "url",
    metavar="URL",
    default=None,
    help="Database URL (default: $FIELDWRIGHT_DATABASE_URL, else the SQLite file in the "
    "user data directory).",
)


class _Console:
    """A rich Console made on first use: a command that prints plain lines only (a
    successful `fieldwright run`, through `say`) never imports rich (part of start-up)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def made(self) -> Console:
        """The Console itself (made now if need be)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)


def rich_console(console: Console) -> Console:
    """The rich Console behind `console` or `err_console`, for a rich API that takes one
    (rich enters it as a context manager, which the stand-in does not forward)."""
    return console.made() if isinstance(console, _Console) else console


console = cast("Console", _Console(highlight=False, soft_wrap=True))
err_console = cast("Console", _Console(stderr=True, highlight=False, soft_wrap=True))


def say(text: str) -> None:
    """Print a plain line to standard output, as it is (no markup)."""
    click.echo(text)


def escape(text: str) -> str:
    """`text` with rich's markup escaped, for `console.print` (rich imported on use)."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> None:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, emoji=False)
    raise SystemExit(int(code))


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn service errors into a message and an exit code, never a traceback."""
    try:
        yield
    except InvalidDocument as exc:
        fail(escape(str(exc)))
    except ServiceError as exc:
        fail(escape(str(exc)))


def load_or_exit(path: Path) -> CompiledMapping:
    """Open and compile a document (its `.document`), or exit naming the file and every
    problem; the run or preview uses this compiled mapping, not a second compile."""
    with reported_errors():
        return compile_mapping(open_mapping(path), source=str(path))
    raise AssertionError("unreachable")  # pragma: no cover


def mapping_argument(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.argument(
        "mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), **kwargs
    )


def input_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--input/-i FILE`, required."""
    return click.option(
        "--input", "-i", "input_path", required=True, type=click.Path(path_type=Path), help=help
    )


def _delimiter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`\\t` or `tab` as typed on a command line is a tab."""
    return "\t" if value in ("\\t", "tab", "TAB") else value


#: The source settings the flags of `source_options` set, by parameter name.
SOURCE_SETTINGS = (
    "encoding",
    "delimiter",
    "records_path",
    "sheet",
    "max_depth",
    "max_record_size",
    "max_field_size",
    "check_duplicate_keys",
)

_SOURCE_OPTIONS = (
    click.option(
        "--encoding",
        help="Text encoding of a CSV input (e.g. cp1252, latin-1; default: from its "
        "byte-order mark, else UTF-8).",
    ),
    click.option(
        "--delimiter",
        callback=_delimiter,
        help="Cell delimiter of a CSV input (one character; \\t or tab for a tab; "
        "default: sniffed).",
    ),
    click.option(
        "--records-path",
        metavar="KEY[.KEY]",
        help="Key of a JSON input's top-level object that holds the array of records.",
    ),
    click.option("--sheet", help="Sheet of an Excel input (default: the first)."),
    click.option(
        "--max-depth",
        type=click.IntRange(1, 1000),
        help="How deeply a JSON array input's records may nest (default 512).",
    ),
    click.option(
        "--max-record-size",
        type=click.IntRange(min=1),
        metavar="SIZE",
        help="Longest record read: bytes for JSON, characters for CSV (default 64 MiB).",
    ),
    click.option(
        "--max-field-size",
        type=click.IntRange(min=1),
        metavar="SIZE",
        help="Longest CSV cell read, in characters (default 16 MiB).",
    ),
    click.option(
        "--check-duplicate-keys/--no-check-duplicate-keys",
        default=None,
        help="A JSON record that gives a key twice is a dead letter (default: on; "
        "--no-check-duplicate-keys reads faster but keeps the last value silently).",
    ),
)


def source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The input's settings as flags; each overrides the document's
    `source.connector.settings` of the same name (`source_settings` collects them)."""
    for option in reversed(_SOURCE_OPTIONS):
        command = option(command)
    return command


def source_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The source settings given as flags (those not given are left to the document)."""
    return {name: values.pop(name) for name in SOURCE_SETTINGS if values.get(name) is not None}
