"""Distributed file runs on Dask: partitions of large inputs mapped on a cluster's workers.

`run_distributed` (`fieldwright run --engine dask`) cuts one big NDJSON or CSV
file, or every file a glob matches, into byte ranges (connectors/partitions.py),
and maps each range on a Dask worker with the local machinery: the columnar
plan when the mapping lowers and the input is NDJSON, else the row engine,
into the same atomic sinks, with the same dead letters. Each range numbers
its lines as the whole file does (a pre-pass counts line ends and quotes per
block, on the workers). The client then publishes, only if every partition
succeeded:

- partitioned outputs `OUT.part-00000.ndjson` … (written by the workers under
  hidden names beside OUT, so OUT's folder must be shared) and one manifest
  `OUT.parts.json` listing them with their counts; or, with `merge`,
- one file OUT in input order, written by the client from what the workers
  return (nothing needs to be shared but the input);

and in both cases the dead letters of every partition in input order in
`OUT.dead-letters.ndjson`, in one journalled commit with the outputs.

Refused before anything runs (`InvalidRequest`): pipelines (their aggregate,
sort and dedupe steps need every record at once; the others run locally),
inputs that are not NDJSON or CSV, outputs that are not NDJSON. A mapping
document holds nothing that depends on another record (no running counter,
no position of the record in the file: every function sees one record), so
every mapping runs. See docs/distributed.md.
"""

from __future__ import annotations

import glob
import logging
import math
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

import fieldwright
from fieldwright.connectors import ConnectorError, open_sink
from fieldwright.connectors.atomic import AtomicFile, manifest_path
from fieldwright.connectors.commit import CommitPlan, commit
from fieldwright.connectors.csv_files import CsvSource
from fieldwright.connectors.frames import NdjsonFrameSink
from fieldwright.connectors.partitions import (
    Block,
    CsvRange,
    NdjsonRange,
    blocks,
    count_block,
    locate,
    splittable_encoding,
)
from fieldwright.domain import ErrorStrategy, MappingDocument
from fieldwright.domain.records import RecordSink, RecordSource
from fieldwright.domain.runs import RunCounts, RunStatus, RunTrigger
from fieldwright.engine import CompiledMapping
from fieldwright.engine.columnar import ColumnarPlan, plan_mapping
from fieldwright.service._file_log import FileRunLog
from fieldwright.service._keys import run_key
from fieldwright.service._results import RunResult
from fieldwright.service._worker import RunHandle, RunPlan
from fieldwright.service.endpoints import refuse_protected
from fieldwright.service.engines import execute_columnar
from fieldwright.service.errors import DataError, InvalidRequest
from fieldwright.service.files import dead_letter_path, file_settings, output_columns
from fieldwright.service.mappings import compile_mapping

__all__ = [
    "ORDER_DEPENDENT_STEPS",
    "PARTITION_BYTES",
    "distributed_pipeline_problem",
    "parse_size",
    "part_paths",
    "parts_manifest_path",
    "run_distributed",
]

if TYPE_CHECKING:  # a mapping file's run never loads the pipeline modules
    from fieldwright.domain.pipeline import PipelineDocument

log = logging.getLogger(__name__)

#: Bytes per partition when neither a count nor a size is given.
PARTITION_BYTES = 64 << 20
#: Pipeline steps whose output depends on other records than the one they look at.
ORDER_DEPENDENT_STEPS = {
    "aggregate": "groups records from anywhere in the input",
    "sort": "orders the whole input",
    "dedupe": "keeps the first of equal records from anywhere in the input",
}
#: The input formats a distributed run splits.
_SPLIT_FORMATS = ("ndjson", "csv")
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20}
_UNITS |= {"mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_size(text: str) -> int:
    """Bytes of a size such as `64MiB`, `512k` or `1000000`; InvalidRequest if not one."""
    value = text.strip().lower()
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit = value[len(number) :].strip()
    try:
        size = int(float(number) * _UNITS[unit])
    except (KeyError, ValueError):
        raise InvalidRequest(
            f"{text!r} is not a size; write bytes, or a number with KiB, MiB or GiB (64MiB)"
        ) from None
    if size < 1:
        raise InvalidRequest(f"a partition size must be at least one byte, not {text!r}")
    return size


def distributed_pipeline_problem(document: PipelineDocument) -> str:
    """Why a pipeline does not run on Dask: its order-dependent steps, named."""
    steps = [
        f"{step.name!r} ({step.type}: {ORDER_DEPENDENT_STEPS[step.type]})"
        for step in document.steps
        if step.type in ORDER_DEPENDENT_STEPS
    ]
    if steps:
        return (
            "the dask engine cannot split this pipeline: its output depends on other records "
            f"than the one each step looks at: {'; '.join(steps)}. Run it with --engine auto"
        )
    return (
        "the dask engine runs mapping documents; run a pipeline with --engine auto (its "
        "unwind, route and enrich steps are not distributed yet)"
    )


def part_paths(output: Path, count: int) -> list[Path]:
    """The partitioned outputs of a run writing `output`: `name.part-00000.ndjson` …"""
    return [output.with_name(f"{output.stem}.part-{i:05d}{output.suffix}") for i in range(count)]


def parts_manifest_path(output: Path) -> Path:
    """The manifest of a partitioned run writing `output`: `OUT.parts.json`."""
    return output.with_name(f"{output.name}.parts.json")


# -- on the workers -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Part:
    """One partition, as sent to a worker."""

    index: int
    document: MappingDocument
    block: Block
    format: str
    settings: dict[str, Any]
    #: Line ends and quotes in the file's bytes before the block's start, and before its end.
    newlines_before: int
    quotes_before: int
    quotes_before_end: int
    quote: bytes | None
    strategy: ErrorStrategy | None
    sink_settings: dict[str, Any]
    #: The hidden file to commit the output to (beside OUT), or None: return its bytes.
    target: str | None


@dataclass(slots=True)
class _PartResult:
    index: int
    status: RunStatus
    counts: RunCounts
    message: str | None
    engine: str
    #: Where its lines are in the file: (first line, start byte, end byte).
    lines: tuple[int, int, int]
    letters: bytes = b""
    letter_count: int = 0
    #: The CSV range ended inside a quoted field: the file cannot be split by line ends.
    unsplittable: bool = False
    #: The output's bytes (merge), or the committed hidden file's manifest (partitioned).
    output: bytes = b""
    manifest: dict[str, Any] = field(default_factory=dict)


def _count(block: Block, quote: bytes | None) -> tuple[int, int]:
    return count_block(block.path, block.start, block.end, quote)


def _columnar(compiled: CompiledMapping, format: str) -> ColumnarPlan | None:
    """The columnar plan of an NDJSON range when every field lowers (as `auto` decides)."""
    if format != "ndjson":
        return None
    plan = plan_mapping(compiled)
    if any(status == "row engine" for _t, status, _w in plan.describe()):
        return None
    return plan


def _map_part(part: _Part) -> _PartResult:
    """Map one partition on a worker with the local run machinery; its result."""
    block = part.block
    start, end, first_line = locate(
        block, part.newlines_before, part.quotes_before, part.quotes_before_end, part.quote
    )
    lines = (first_line, start, end)
    compiled = compile_mapping(part.document)
    plan = _columnar(compiled, part.format)
    engine = "polars" if plan is not None else "rows"
    if end <= start:
        return _PartResult(part.index, RunStatus.COMPLETED, RunCounts(), None, engine, lines)
    directory = None if part.target else Path(tempfile.mkdtemp(prefix="fieldwright-dask-"))
    output = Path(part.target) if part.target else Path(directory or ".") / "part.ndjson"
    try:
        source: RecordSource
        if part.format == "ndjson":
            source = NdjsonRange(block.path, start, end, first_line, **part.settings)
        else:
            source = CsvRange(block.path, start, end, first_line, **part.settings)
        sink: RecordSink
        if plan is not None:
            sink = NdjsonFrameSink(output, **part.sink_settings)
        else:
            sink = open_sink(
                output, "ndjson", columns=output_columns(compiled), **part.sink_settings
            )
        run = RunPlan(
            document=part.document,
            compiled=compiled,
            mapping_version=None,
            open_source=lambda: source,
            open_sink=lambda _key: sink,
            trigger=RunTrigger.MANUAL,
            retries=False,
            strategy=part.strategy,
        )
        if plan is not None:
            run.execute, run.chunked = partial(execute_columnar, plan), True
        letters_path = dead_letter_path(output)
        result = RunHandle(FileRunLog(letters_path), run).begin().wait()
        assert result is not None  # wait() without a timeout returns once the run ended
        done = _PartResult(part.index, result.status, result.counts, result.message, engine, lines)
        done.unsplittable = getattr(source, "split_inside_quotes", False)
        if letters_path.exists():
            done.letters = letters_path.read_bytes()
            done.letter_count = result.dead_letters
        meta = manifest_path(output)
        if result.status is RunStatus.COMPLETED and meta.exists():
            done.manifest = orjson.loads(meta.read_bytes())
            if directory is not None:
                done.output = output.read_bytes()
        for leftover in (letters_path, manifest_path(letters_path), meta):
            leftover.unlink(missing_ok=True)
        return done
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


# -- on the client ------------------------------------------------------------------------


def _inputs(pattern: str) -> list[Path]:
    """The files `pattern` names: itself, or what it matches as a glob, sorted."""
    path = Path(pattern)
    if path.is_file():
        return [path]
    if glob.has_magic(pattern):
        # glob.glob: the pattern may be absolute, which Path.glob does not take.
        matches = glob.glob(pattern, recursive=True)  # noqa: PTH207
        found = sorted(Path(p) for p in matches if Path(p).is_file())
        if found:
            return found
        raise DataError(f"{pattern}: no file matches this pattern")
    raise DataError(f"{pattern}: file not found; check the path")


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client of the cluster at `scheduler`, or of a local cluster of processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InvalidRequest(
            "the dask engine needs Dask: pip install 'fieldwright[distributed]'"
        ) from None
    if scheduler is None:
        local = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        with local as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    try:
        client = Client(scheduler, timeout="15s")  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _split_settings(
    paths: list[Path], format: str, settings: dict[str, Any]
) -> tuple[bytes | None, bool]:
    """(the quote byte a CSV range boundary counts, whether the files may be split)."""
    if format == "ndjson":
        return None, True
    try:
        heads = [CsvSource(path, **settings) for path in paths]
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    if not all(splittable_encoding(head.encoding) for head in heads):
        return None, False  # UTF-16 or UTF-32: a file is one partition
    encoding = heads[0].encoding
    # Encoded after a letter: utf-8-sig writes its byte-order mark before the first one.
    quote = ("a" + heads[0].quotechar).encode(encoding)[len("a".encode(encoding)) :]
    return (quote, True) if len(quote) == 1 else (None, False)


def run_distributed(
    mapping: MappingDocument | CompiledMapping,
    input_pattern: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    partitions: int | None = None,
    partition_size: int | None = None,
    merge: bool = False,
    input_format: str | None = None,
    output_format: str | None = None,
    strategy: ErrorStrategy | None = None,
    input_settings: Mapping[str, Any] | None = None,
    workers: int | None = None,
) -> RunResult:
    """Map `input_pattern` (a file or a glob) into `output_path` on the Dask cluster at
    `scheduler` (None: a local cluster of `workers` processes); how the run ended.

    A file is cut into `partitions` ranges, or ranges of `partition_size` bytes (64 MiB
    by default); a glob's files are cut each. The outputs are `part_paths(output, n)`
    with the manifest `parts_manifest_path(output)`, or with `merge` the one file
    `output`; the dead letters go to `dead_letter_path(output)`, in input order.
    Nothing is published unless every partition succeeds. InvalidRequest when the run
    cannot be distributed; DataError when an input or the cluster cannot be reached.
    """
    began = time.monotonic()
    compiled = mapping if isinstance(mapping, CompiledMapping) else compile_mapping(mapping)
    document = compiled.document
    output = Path(output_path)
    refuse_protected(output)
    if partitions is not None and partitions < 1:
        raise InvalidRequest(f"--partitions must be at least 1, not {partitions}")
    paths = _inputs(str(input_pattern))
    try:
        format, settings = file_settings(
            document.source.connector, paths[0], input_format, "source", input_settings
        )
        out_format, sink_settings = file_settings(
            document.target.connector, output, output_format, "sink"
        )
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    format = "csv" if format == "tsv" else format
    if format not in _SPLIT_FORMATS:
        raise InvalidRequest(
            f"the dask engine splits NDJSON and CSV inputs, not {format}: a {format} file "
            "cannot be cut into ranges of whole records (use --engine auto)"
        )
    if out_format != "ndjson":
        raise InvalidRequest(
            f"the dask engine writes NDJSON outputs, not {out_format}: partitions of other "
            "formats cannot be joined in order (write .ndjson, or use --engine auto)"
        )
    if not output.parent.is_dir():
        raise DataError(f"the output folder {output.parent} does not exist")
    quote, splittable = _split_settings(paths, format, settings)
    total = sum(p.stat().st_size for p in paths)
    size = partition_size or (
        max(1, math.ceil(total / partitions)) if partitions else PARTITION_BYTES
    )
    cut = blocks(paths, size) if splittable else blocks(paths, max(total, 1))
    try:
        results = _run_parts(
            cut, document, format, settings, quote, strategy, sink_settings, output,
            scheduler, workers, merge,
        )  # fmt: skip
        if any(r.unsplittable for r in results) and len(cut) > len(paths):
            log.warning(
                "%s: a CSV range ended inside a quoted field (a quote inside an unquoted "
                "field?); mapping each file as one partition instead",
                input_pattern,
            )
            cut = blocks(paths, max(total, 1))
            results = _run_parts(
                cut, document, format, settings, quote, strategy, sink_settings, output,
                scheduler, workers, merge,
            )  # fmt: skip
    except ConnectorError as exc:
        raise DataError(str(exc)) from exc
    counts = RunCounts(
        read=sum(r.counts.read for r in results),
        written=sum(r.counts.written for r in results),
        failed=sum(r.counts.failed for r in results),
        filtered=sum(r.counts.filtered for r in results),
        skipped=sum(r.counts.skipped for r in results),
    )
    failed = next((r for r in results if r.status is not RunStatus.COMPLETED), None)
    message = None
    if failed is not None:
        block = cut[failed.index]
        message = (
            f"partition {failed.index} ({block.path}, line {failed.lines[0]}, bytes "
            f"{failed.lines[1]}–{failed.lines[2]}): {failed.message}; nothing was written"
        )
        _keep_letters_alone(results, output)
    key = run_key(document.key, datetime.now(UTC))
    return RunResult(
        key=key,
        keys=(key,),
        status=RunStatus.COMPLETED if failed is None else RunStatus.FAILED,
        counts=counts,
        seconds=time.monotonic() - began,
        message=message,
        dead_letters=sum(r.letter_count for r in results),
        engine="dask",
    )


def _run_parts(
    cut: list[Block],
    document: MappingDocument,
    format: str,
    settings: dict[str, Any],
    quote: bytes | None,
    strategy: ErrorStrategy | None,
    sink_settings: dict[str, Any],
    output: Path,
    scheduler: str | None,
    workers: int | None,
    merge: bool,
) -> list[_PartResult]:
    """The pre-pass, then every partition mapped on the cluster; published when all succeed."""
    token = secrets.token_hex(4)
    targets = [
        None if merge else str(output.with_name(f".{output.name}.{token}.part-{i:05d}.ndjson"))
        for i in range(len(cut))
    ]
    with _client(scheduler, workers) as client:
        counted = client.gather(client.map(_count, cut, [quote] * len(cut), pure=False))
        newlines = quotes = 0
        parts: list[_Part] = []
        for index, (block, (lines, quoted)) in enumerate(zip(cut, counted, strict=True)):
            if block.start == 0:
                newlines = quotes = 0
            parts.append(
                _Part(
                    index, document, block, format, dict(settings), newlines, quotes,
                    quotes + quoted, quote, strategy, dict(sink_settings), targets[index],
                )
            )  # fmt: skip
            newlines, quotes = newlines + lines, quotes + quoted
        futures = client.map(_map_part, parts, pure=False)
        try:
            if merge:
                results = _merge(futures, output, sink_settings)
            else:
                results = [future.result() for future in futures]
                _publish(results, output, [Path(t) for t in targets if t], cut)
        finally:
            for target in targets:
                if target:
                    _remove_hidden(Path(target))
    return results


def _remove_hidden(target: Path) -> None:
    for path in (target, manifest_path(target), dead_letter_path(target)):
        path.unlink(missing_ok=True)


def _merge(futures: list[Any], output: Path, sink_settings: dict[str, Any]) -> list[_PartResult]:
    """Write every partition's output into `output` in order as it arrives; commit with the
    dead letters when all succeeded, else abort (the output stays as it was)."""
    sink = NdjsonFrameSink(output, **sink_settings)
    letters: NdjsonFrameSink | None = None
    results: list[_PartResult] = []
    try:
        for future in futures:
            result: _PartResult = future.result()
            future.release()
            results.append(result)
            if result.status is not RunStatus.COMPLETED:
                sink.abort()
                if letters is not None:
                    letters.abort()
                results.extend(f.result() for f in futures[len(results) :])
                return results
            sink.write_lines(result.output, result.counts.written)
            result.output = b""
            if result.letters:
                if letters is None:
                    letters = NdjsonFrameSink(dead_letter_path(output), private=True)
                letters.write_lines(result.letters, result.letter_count)
        if letters is None:
            sink.remove_on_commit(dead_letter_path(output))
        else:
            sink.add_companion(letters.hand_over())
        sink.remove_on_commit(manifest_path(dead_letter_path(output)))
        sink.run_summary = _summary(results)
        sink.commit()
    except BaseException:
        sink.abort()
        if letters is not None:
            letters.abort()
        raise
    return results


def _summary(results: list[_PartResult]) -> dict[str, Any]:
    return {
        "engine": "dask",
        "partitions": len(results),
        "read": sum(r.counts.read for r in results),
        "written": sum(r.counts.written for r in results),
        "failed": sum(r.counts.failed for r in results),
        "filtered": sum(r.counts.filtered for r in results),
    }


def _publish(
    results: list[_PartResult], output: Path, hidden: list[Path], cut: list[Block]
) -> None:
    """Rename every partition's hidden output to `OUT.part-NNNNN.ndjson`, with the merged
    dead letters and the manifest last, in one journalled commit; nothing when a
    partition failed."""
    if any(r.status is not RunStatus.COMPLETED for r in results):
        return
    finals = part_paths(output, len(results))
    letters_path = dead_letter_path(output)
    plan = CommitPlan(parts_manifest_path(output))
    for temp, final in zip(hidden, finals, strict=True):
        if not temp.exists():  # an empty range: an empty part
            temp.write_bytes(b"")
        plan.renames.append((temp, final))
    stale = sorted(set(output.parent.glob(f"{output.stem}.part-*{output.suffix}")) - set(finals))
    plan.removals.extend(stale)
    files: list[AtomicFile] = []
    letter_rows = sum(r.letter_count for r in results)
    try:
        companions: dict[str, Any] = {}
        if letter_rows:
            letters = AtomicFile(letters_path, mode=0o600)
            files.append(letters)
            for result in results:
                letters.write(result.letters)
            plan.renames.append(letters.prepare())
            companions[letters_path.name] = {
                "rows": letter_rows, "file_size": letters.size, "checksum": letters.checksum,
            }  # fmt: skip
        else:
            plan.removals.append(letters_path)
        plan.removals.append(manifest_path(letters_path))
        manifest = {
            "filename": parts_manifest_path(output).name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "created_by": f"fieldwright {fieldwright.__version__}",
            "run": _summary(results),
            "parts": [
                {
                    "filename": final.name,
                    "row_count": result.counts.written,
                    "file_size": result.manifest.get("file_size", 0),
                    "checksum": result.manifest.get("checksum"),
                    "input": block.path,
                    "first_line": result.lines[0],
                    "bytes": [result.lines[1], result.lines[2]],
                    "read": result.counts.read,
                    "failed": result.counts.failed,
                    "filtered": result.counts.filtered,
                }
                for final, result, block in zip(finals, results, cut, strict=True)
            ],
            "companions": companions,
        }
        document = AtomicFile(parts_manifest_path(output))
        files.append(document)
        document.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
        plan.renames.append(document.prepare())
    except BaseException:
        for file in files:
            file.abort()
        raise
    try:
        commit(plan)
    except OSError as exc:
        raise DataError(f"{output.parent}: cannot publish the partitions ({exc})") from exc


def _keep_letters_alone(results: list[_PartResult], output: Path) -> None:
    """A failed run keeps its dead letters on their own (as a local run does)."""
    rows = sum(r.letter_count for r in results)
    path = dead_letter_path(output)
    if not rows:
        return
    letters = NdjsonFrameSink(path, private=True)
    try:
        for result in results:
            letters.write_lines(result.letters, result.letter_count)
        letters.commit()
    except BaseException:
        letters.abort()
        raise
