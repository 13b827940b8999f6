"""What every command shares: exit codes, error reporting, loading documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from fieldwright.service import (
    CompiledMapping,
    InvalidDocument,
    ServiceError,
    compile_mapping,
    open_mapping,
)

__all__ = [
    "ExitCode",
    "console",
    "err_console",
    "fail",
    "input_option",
    "load_or_exit",
    "mapping_argument",
    "reported_errors",
]


class ExitCode(IntEnum):
    OK = 0
    #: The run failed (fail_fast, a sink error), tests failed or a document is invalid.
    FAILED = 1
    #: Bad usage, a broken document or an unreadable input: nothing was run.
    USAGE = 2
    #: The run completed, but some records failed and went to the dead letters.
    RECORDS_FAILED = 3


console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> None:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, emoji=False)
    raise SystemExit(int(code))


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn service errors into a message and an exit code, never a traceback."""
    try:
        yield
    except InvalidDocument as exc:
        fail(_escape(str(exc)))
    except ServiceError as exc:
        fail(_escape(str(exc)))


def _escape(text: str) -> str:
    return escape(text)


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
