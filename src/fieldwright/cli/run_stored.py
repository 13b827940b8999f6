"""`fieldwright run KEY`: run a stored mapping or pipeline by its business key, with its own
connectors (a pipeline run prints what each of its steps did).

The mapping's file paths are absolute in the store (saving and importing make them
so), so this works from any folder. `--input`/`--output` replace its source and
target with files for this run only. The run is logged in the store like Run now.

A mapping's run does not import the pipeline modules (cli/pipelines.py, the pipeline
engine, the enrich sources): they load only to print a pipeline run's steps (issue 18).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from fieldwright.cli._common import ExitCode, console, err_console, fail
from fieldwright.domain import ConnectorRef
from fieldwright.domain.runs import RunStatus
from fieldwright.service import (
    NotFound,
    RunProgress,
    RunResult,
    Service,
    ServiceError,
    file_kind_format,
)

if TYPE_CHECKING:
    from fieldwright.service import StepCounts

__all__ = ["close_keys", "run_stored"]


def close_keys(service: Service, key: str) -> list[str]:
    """The stored mapping and pipeline keys that look like `key` (a typo), best first."""
    keys = [summary.key for summary in service.list_mappings()]
    keys += [summary.key for summary in service.pipelines.list_pipelines()]
    return difflib.get_close_matches(key, keys, n=5, cutoff=0.5)


def _unknown(service: Service, key: str) -> None:
    try:
        close = close_keys(service, key)
    except ServiceError:
        close = []
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    fail(
        f"no stored mapping or pipeline has the key {escape(key)}{escape(hint)} (`fieldwright "
        "run` takes a mapping or pipeline file with --input and --output, or the business key "
        "of a stored mapping or pipeline)"
    )


def _where(details: dict[str, Any]) -> str | None:
    target = details.get("target")
    if not isinstance(target, dict):
        return None
    settings = target.get("settings")
    if isinstance(settings, dict):
        for name in ("path", "table", "url"):
            value = settings.get(name)
            if isinstance(value, str) and value:
                return value if name != "url" else target.get("connection") or target["kind"]
    return str(target.get("connection") or target.get("kind"))


def _file(path: Path, flag: str, settings: dict[str, Any]) -> ConnectorRef:
    """A file connector for `path` (absolute), its kind from the extension."""
    kind = path.suffix.lower().lstrip(".")
    if file_kind_format(kind) is None:
        fail(
            f"{flag} {escape(str(path))}: cannot tell the file format from its extension; "
            "use .csv, .tsv, .ndjson, .jsonl, .json or .xlsx"
        )
    return ConnectorRef(kind=kind, settings={"path": str(path.resolve()), **settings})


def run_stored(
    key: str,
    url: str | None,
    *,
    input_path: Path | None,
    output_path: Path | None,
    input_settings: dict[str, Any],
    update: Callable[[RunProgress], None] | None,
    engine: str = "auto",
) -> RunResult:
    """Run the stored mapping `key`; prints where the output went. Exits on an error."""
    source = _file(input_path, "--input", input_settings) if input_path is not None else None
    if input_path is None and input_settings:
        fail("the input flags (--encoding, --delimiter …) need --input FILE")
    target = _file(output_path, "--output", {}) if output_path is not None else None
    try:
        service = Service.open(url)
    except ServiceError as exc:
        fail(escape(str(exc)))
        raise AssertionError("unreachable") from exc  # pragma: no cover
    try:
        try:
            handle = service.start_run(
                key, source=source, target=target, on_progress=update, engine=engine
            )
        except NotFound:
            _unknown(service, key)
            raise AssertionError("unreachable") from None  # pragma: no cover
        except ServiceError as exc:
            fail(escape(str(exc)))
            raise AssertionError("unreachable") from exc  # pragma: no cover
        try:
            result = handle.wait()
        except KeyboardInterrupt:
            handle.cancel()
            handle.wait()
            raise
        assert result is not None  # wait() without a timeout returns once the run ended
        try:
            details = service.run_detail(result.key).details
        except ServiceError:
            details = {}
    finally:
        service.close()
    _summary(result, _where(details))
    steps = _steps(details)
    if steps:
        from fieldwright.cli.pipelines import print_steps

        print_steps(steps)
    return result


def _steps(details: dict[str, Any]) -> tuple[StepCounts, ...]:
    """A pipeline run's step counts, as its details recorded them (none for a mapping's)."""
    rows = [row for row in details.get("steps") or () if isinstance(row, dict)]
    if not rows:
        return ()
    from fieldwright.service import StepCounts

    return tuple(StepCounts(**row) for row in rows)


def _summary(result: RunResult, where: str | None) -> None:
    counts = result.counts
    console.print(
        f"run {result.key} {result.status.value}: read {counts.read:,}, written "
        f"{counts.written:,}, failed {counts.failed:,}, filtered {counts.filtered:,} "
        f"in {result.seconds:.2f} s"
    )
    if where is not None and result.status is RunStatus.COMPLETED:
        console.print(f"output: {escape(where)}")
    if result.dead_letters:
        console.print(f"dead letters: {result.dead_letters:,} in the store (Runs page)")
    if result.message and result.status is not RunStatus.COMPLETED:
        err_console.print(f"[bold red]run {result.status.value}:[/] {escape(result.message)}")


def exit_code(result: RunResult) -> ExitCode:
    if result.status is not RunStatus.COMPLETED:
        return ExitCode.FAILED
    return ExitCode.RECORDS_FAILED if result.counts.failed else ExitCode.OK
