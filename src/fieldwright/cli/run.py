"""`fieldwright run`: stream a file through a mapping (or run a stored mapping by its key,
run_stored.py), with a progress bar on a terminal."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from fieldwright.cli._common import (
    ExitCode,
    database_option,
    err_console,
    escape,
    fail,
    load_or_exit,
    reported_errors,
    rich_console,
    say,
    source_options,
    source_settings,
)
from fieldwright.domain import ErrorStrategy
from fieldwright.domain.runs import RunStatus
from fieldwright.service import (
    ENGINES,
    RunProgress,
    RunResult,
    dead_letter_path,
    distributed_pipeline_problem,
    is_pipeline_file,
    parse_size,
    parts_manifest_path,
    run_distributed,
    run_file,
)

__all__ = ["run"]

FORMATS = click.Choice(["csv", "tsv", "ndjson", "jsonl", "json", "xlsx"], case_sensitive=False)
#: Input formats: the output formats and Parquet, which is read only.
INPUT_FORMATS = click.Choice([*FORMATS.choices, "parquet"], case_sensitive=False)


def _summary(result: RunResult, output: Path, shown: Path | None = None) -> None:
    """The run's counts and files; `shown` names the output when it is not `output` (the
    manifest of a partitioned Dask run)."""
    counts = result.counts
    parts = [
        f"read {counts.read:,}",
        f"written {counts.written:,}",
        f"failed {counts.failed:,}",
        f"filtered {counts.filtered:,}",
    ]
    if counts.skipped:
        parts.append(f"skipped {counts.skipped:,} (not written: the run stopped)")
    rate = counts.read / result.seconds if result.seconds > 0 else 0.0
    say(
        f"{result.status.value}: " + ", ".join(parts) + f" in {result.seconds:.2f} s "
        f"({rate:,.0f} records/s)"
        + {"polars": " on the columnar engine", "dask": " on Dask"}.get(result.engine, "")
    )
    if result.status is RunStatus.COMPLETED:
        say(f"output: {shown or output}")
    if result.dead_letters:
        say(f"dead letters: {dead_letter_path(output)}")
    if result.message and result.status is not RunStatus.COMPLETED:
        err_console.print(f"[bold red]run {result.status.value}:[/] {escape(result.message)}")


#: Container allocations between young collections during a file run (Python's default
#: is 700: a run allocates a few dozen per record, so it collected every score of records).
_YOUNG_THRESHOLD = 20_000


@contextmanager
def _collector_for_a_run() -> Iterator[None]:
    """The cyclic garbage collector tuned for a one-shot run of this process.

    Everything loaded so far (modules, the compiled mapping) lives as long as the
    process: frozen, full collections no longer walk it. Young collections run less
    often: the run makes no reference cycles per record, so this holds little
    garbage longer. Together they took a fifth off the contacts run's processor time.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@contextmanager
def _progress_bar(
    show: bool, what: str = "mapping"
) -> Iterator[Callable[[RunProgress], None] | None]:
    """A progress bar with rate on stderr while the run lasts, or nothing."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(f"[bold]{what}[/]"),
        BarColumn(),
        TextColumn("{task.completed:,} records"),
        TextColumn("{task.fields[rate]:,.0f}/s"),
        TextColumn("failed {task.fields[failed]:,}"),
        TimeElapsedColumn(),
        console=rich_console(err_console),
        transient=True,
    )
    task = bar.add_task("run", total=None, rate=0.0, failed=0)

    def update(state: RunProgress) -> None:
        bar.update(task, completed=state.counts.read, rate=state.rate, failed=state.counts.failed)

    with bar:
        yield update


@click.command()
@click.argument("mapping", metavar="MAPPING")
@click.option(
    "--input",
    "-i",
    "input_path",
    type=click.Path(path_type=Path),
    help="Source file (needed with a mapping file; replaces a stored mapping's source).",
)
@click.option(
    "--output",
    "-o",
    "output_path",
    type=click.Path(path_type=Path),
    help="Target file (its folder is created if missing; needed with a mapping file, "
    "replaces a stored mapping's target).",
)
@click.option(
    "--input-format", type=INPUT_FORMATS, help="Input format (default: from the extension)."
)
@click.option("--output-format", type=FORMATS, help="Output format (default: from the extension).")
@click.option(
    "--error-strategy",
    type=click.Choice([s.value for s in ErrorStrategy]),
    help="Override the document's error strategy.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.option(
    "--engine",
    type=click.Choice([*ENGINES, "dask"]),
    default="auto",
    show_default=True,
    help="rows: record by record; polars: the columnar engine (NDJSON or CSV input, a mapping "
    "whose fields lower: see validate --engine polars); auto: polars for large inputs it can "
    "run. Also for a stored mapping's run (KEY). dask: partitions of a mapping file's input "
    "on a Dask cluster (docs/distributed.md).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: the Dask scheduler (tcp://host:8786); default: a local "
    "cluster of one process per core.",
)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    help="With --engine dask: cut the input into this many byte ranges.",
)
@click.option(
    "--partition-size",
    metavar="SIZE",
    help="With --engine dask: bytes per partition (64MiB by default; 512KiB, 1GiB, …).",
)
@click.option(
    "--merge/--no-merge",
    default=False,
    help="With --engine dask: one output file in input order, written by this machine, "
    "instead of OUT.part-NNNNN files and OUT.parts.json written by the workers.",
)
@database_option
@source_options
def run(
    mapping: str,
    input_path: Path | None,
    output_path: Path | None,
    input_format: str | None,
    output_format: str | None,
    error_strategy: str | None,
    progress: bool | None,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
    partition_size: str | None,
    merge: bool,
    url: str | None,
    **flags: Any,
) -> None:
    """Run MAPPING: a mapping file with --input and --output, or a stored mapping's key.

    `fieldwright run KEY` runs the stored mapping KEY (its latest version) through its
    own source and target connectors, from any folder, logged in the store (see
    --database); --input/--output replace its source/target for this run.

    With a mapping file, every record of INPUT is mapped into OUTPUT (CSV, NDJSON,
    JSON or XLSX).

    MAPPING is a mapping document or a pipeline document (its steps run in turn;
    the summary shows each step's counts).

    INPUT is read with the document's source.connector.settings (encoding,
    delimiter, records_path, sheet, header, limits) when its connector is of
    INPUT's format; the flags below override them. OUTPUT is written with the
    document's target.connector.settings the same way.

    The output appears atomically with a .meta.json manifest. Failed records
    go to OUTPUT.dead-letters.ndjson with their line, field and reason.

    Exit codes: 0 all records mapped; 3 completed, some records failed;
    1 the run failed (fail_fast or an output error), nothing was written;
    2 a broken document or an unreadable input.
    """
    show = sys.stderr.isatty() if progress is None else progress
    document = Path(mapping)
    distributed = engine == "dask"
    if not distributed and (scheduler or partitions or partition_size or merge):
        fail("--scheduler, --partitions, --partition-size and --merge apply to --engine dask")
    if partitions and partition_size:
        fail("give --partitions or --partition-size, not both")
    if not document.is_file():
        if document.suffix.lower() == ".json" or any(sep in mapping for sep in ("/", "\\")):
            fail(f"no such mapping file: {escape(mapping)}")
        if input_format or output_format or error_strategy:
            fail("--input-format, --output-format and --error-strategy apply to a mapping file")
        if distributed:
            fail("--engine dask runs a mapping file: give its path, with --input and --output")
        from fieldwright.cli.run_stored import exit_code, run_stored

        # The collector as for a file run: a stored mapping's run (into a database) spent a
        # sixth of its processor time (rows: a fifth) in collections of the young generation.
        with _progress_bar(show) as update, _collector_for_a_run():
            result = run_stored(
                mapping,
                url,
                input_path=input_path,
                output_path=output_path,
                input_settings=source_settings(flags),
                update=update,
                engine=engine,
            )
        code = exit_code(result)
        if code is not ExitCode.OK:
            raise SystemExit(int(code))
        return
    if input_path is None or output_path is None:
        fail(f"running the mapping file {escape(mapping)} needs --input FILE and --output FILE")
        return
    pipeline = is_pipeline_file(document)
    if pipeline and distributed:
        from fieldwright.service import open_pipeline  # loads the store: only when needed

        with reported_errors():
            fail(escape(distributed_pipeline_problem(open_pipeline(document))))
    compiled = None if pipeline else load_or_exit(document)
    try:
        output_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the output folder {output_path.parent}: {exc.strerror}")
    strategy = ErrorStrategy(error_strategy) if error_strategy else None
    if pipeline:  # a pipeline document (issue 19): the same run, step by step
        from fieldwright.cli.pipelines import pipeline_exit_code, print_steps, run_pipeline

        with _progress_bar(show, "pipeline") as update:
            ran = run_pipeline(
                document,
                input_path,
                output_path,
                input_format=input_format,
                output_format=output_format,
                strategy=strategy,
                input_settings=source_settings(flags),
                on_progress=update,
            )
        _summary(ran.result, output_path)
        print_steps(ran.steps)
        raise SystemExit(pipeline_exit_code(ran))
    assert compiled is not None
    if distributed:
        with reported_errors():
            result = run_distributed(
                compiled,
                input_path,
                output_path,
                scheduler=scheduler,
                partitions=partitions,
                partition_size=parse_size(partition_size) if partition_size else None,
                merge=merge,
                input_format=input_format,
                output_format=output_format,
                strategy=strategy,
                input_settings=source_settings(flags),
            )
        _summary(result, output_path, None if merge else parts_manifest_path(output_path))
        raise SystemExit(int(_exit_code(result)))
    with reported_errors(), _progress_bar(show) as update, _collector_for_a_run():
        result = run_file(
            compiled,
            input_path,
            output_path,
            input_format=input_format,
            output_format=output_format,
            strategy=strategy,
            input_settings=source_settings(flags),
            on_progress=update,
            engine=engine,
        )
    _summary(result, output_path)
    code = _exit_code(result)
    if code is not ExitCode.OK:
        raise SystemExit(int(code))


def _exit_code(result: RunResult) -> ExitCode:
    if result.status is not RunStatus.COMPLETED:
        return ExitCode.FAILED
    return ExitCode.RECORDS_FAILED if result.counts.failed else ExitCode.OK
