"""Which engine runs a file: the row engine or the columnar (Polars) engine.

`fieldwright run --engine auto|rows|polars` and the app's runs (auto) decide
here. The columnar engine runs a mapping whose every field lowers
(engine/columnar/plan.py) on an NDJSON, CSV or Parquet input; `auto` picks it
for large NDJSON and CSV inputs only (Polars' start-up costs more than the row
engine spends on a small file) and for every Parquet input (which both engines
read through Polars). `engine_report` is what `fieldwright validate --engine polars`
prints. Polars is imported only when a columnar run starts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fieldwright.connectors import open_source
from fieldwright.connectors.csv_frames import CsvFrames
from fieldwright.connectors.frames import NdjsonFrames
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.records import RecordSource
from fieldwright.engine import CompiledMapping
from fieldwright.engine.columnar import ColumnarPlan, plan_mapping
from fieldwright.engine.run import RunOutcome
from fieldwright.service._connectors import Connectors, StandardConnectors, file_path
from fieldwright.service.errors import InvalidRequest
from fieldwright.service.mappings import compile_mapping

__all__ = [
    "AUTO_BYTES",
    "AUTO_RECORDS",
    "ENGINES",
    "EngineChoice",
    "FieldEngine",
    "choose_engine",
    "columnar_source",
    "engine_report",
    "execute_columnar",
]

Engine = Literal["auto", "rows", "polars"]
#: The engines a run may ask for.
ENGINES: tuple[Engine, ...] = ("auto", "rows", "polars")
#: `auto` runs columnar from this input size on (bytes), or from this many records.
AUTO_BYTES = 20 << 20
AUTO_RECORDS = 50_000
#: The input formats the columnar engine reads.
COLUMNAR_FORMATS = ("ndjson", "csv", "tsv", "parquet")
#: Connector kinds whose files the columnar engine reads.
_COLUMNAR_KINDS = ("ndjson", "jsonl", "csv", "tsv", "parquet")


@dataclass(frozen=True, slots=True)
class FieldEngine:
    """How one field runs on the columnar engine (`validate --engine polars`)."""

    target: str
    #: "vectorised", "batch function" or "row engine".
    status: str
    why: str


@dataclass(frozen=True, slots=True)
class EngineChoice:
    engine: Literal["rows", "polars"]
    #: Why, in words for the run's summary.
    reason: str
    plan: ColumnarPlan | None = None


def engine_report(mapping: MappingDocument | CompiledMapping) -> list[FieldEngine]:
    """Per field, whether it vectorises on the columnar engine, runs as a batch function of
    the row function, or keeps the mapping on the row engine; and why."""
    compiled = mapping if isinstance(mapping, CompiledMapping) else compile_mapping(mapping)
    return [FieldEngine(*row) for row in plan_mapping(compiled).describe()]


def _estimated_records(path: Path, size: int) -> int:
    """Records of an NDJSON or CSV file, estimated from the lines of its first MiB."""
    with path.open("rb") as file:
        head = file.read(1 << 20)
    lines = head.count(b"\n")
    if not lines:
        return 0
    return lines if len(head) >= size else int(size * lines / len(head))


def choose_engine(
    compiled: CompiledMapping, requested: str, input_path: Path, input_format: str
) -> EngineChoice:
    """The engine of a file run; InvalidRequest when `polars` is asked for and cannot run."""
    if requested not in ENGINES:
        raise InvalidRequest(f"unknown engine {requested!r}; choose one of {', '.join(ENGINES)}")
    if requested == "rows":
        return EngineChoice("rows", "asked for")
    plan = plan_mapping(compiled)
    problems = [f"{t}: {why}" for t, status, why in plan.describe() if status == "row engine"]
    if input_format not in COLUMNAR_FORMATS:
        problems.append(f"the columnar engine reads NDJSON, CSV and Parquet, not {input_format}")
    if importlib.util.find_spec("polars") is None:
        problems.append("Polars is not installed")
    if requested == "polars":
        if problems:
            raise InvalidRequest(
                "the mapping cannot run on the columnar engine: "
                + "; ".join(problems)
                + " (use --engine rows or auto)"
            )
        return EngineChoice("polars", "asked for", plan)
    if problems:
        return EngineChoice("rows", problems[0])
    if input_format == "parquet":
        return EngineChoice("polars", "the input is Parquet", plan)
    size = input_path.stat().st_size
    if size >= AUTO_BYTES:
        return EngineChoice("polars", f"the input is {size / (1 << 20):.0f} MiB", plan)
    records = _estimated_records(input_path, size)
    if records >= AUTO_RECORDS:
        return EngineChoice("polars", f"the input holds about {records:,} records", plan)
    return EngineChoice("rows", "the input is small")


#: The settings of an NDJSON connector the columnar reader takes (besides the path).
_FRAME_SETTINGS = frozenset({"path", "check_duplicate_keys", "max_record_size"})
#: The settings of a Parquet connector (its one source reads for both engines).
_PARQUET_SETTINGS = frozenset({"path", "batch_rows"})


def columnar_source(
    compiled: CompiledMapping,
    ref: ConnectorRef,
    base_dir: Path | None,
    connectors: Connectors,
    *,
    engine: str = "auto",
) -> tuple[Callable[[], RecordSource], ColumnarPlan] | None:
    """For a run through connectors (the app, schedules, `fieldwright run KEY`): the columnar
    source opener and plan when `engine` (auto: by size) picks the columnar engine for `ref`
    (an NDJSON, CSV or Parquet file), else None; `polars` that cannot run raises
    InvalidRequest."""
    if engine not in ENGINES:
        raise InvalidRequest(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "rows":
        return None
    kind = ref.kind.lower()
    if engine == "polars" and kind not in _COLUMNAR_KINDS:
        raise InvalidRequest(
            f"the columnar engine reads NDJSON, CSV and Parquet files, not a {ref.kind} "
            "connector (use --engine rows or auto)"
        )
    if not isinstance(connectors, StandardConnectors) or kind not in _COLUMNAR_KINDS:
        return None
    if kind == "parquet":
        return _parquet_source(compiled, ref, base_dir, engine)
    csv = kind in ("csv", "tsv")
    if csv and "schema" in ref.settings:  # typed columns: the row reader converts them
        return None
    if not csv and not set(ref.settings) <= _FRAME_SETTINGS:
        return None
    path = file_path(ref, base_dir)
    if path is None or not path.is_file():
        return None
    choice = choose_engine(compiled, engine, path, kind if csv else "ndjson")
    if choice.plan is None:
        return None
    settings: dict[str, Any] = {k: v for k, v in ref.settings.items() if k != "path"}
    if csv:
        if kind == "tsv":
            settings.setdefault("delimiter", "\t")
        return (lambda: CsvFrames(path, **settings)), choice.plan
    return (lambda: NdjsonFrames(path, **settings)), choice.plan


def _parquet_source(
    compiled: CompiledMapping, ref: ConnectorRef, base_dir: Path | None, engine: str
) -> tuple[Callable[[], RecordSource], ColumnarPlan] | None:
    """`columnar_source` of a Parquet file: the same source the row engine would read."""
    if not set(ref.settings) <= _PARQUET_SETTINGS:
        return None
    path = file_path(ref, base_dir)
    if path is None or not path.is_file():
        return None
    choice = choose_engine(compiled, engine, path, "parquet")
    if choice.plan is None:
        return None
    settings: dict[str, Any] = {k: v for k, v in ref.settings.items() if k != "path"}
    return (lambda: open_source(path, "parquet", **settings)), choice.plan


def execute_columnar(plan: ColumnarPlan, *args: Any, **kwargs: Any) -> RunOutcome:
    """The columnar run loop (`RunPlan.execute` with `chunked`), imported with Polars only
    when a run uses it."""
    from fieldwright.engine.columnar import execute_columnar as run

    return run(plan, *args, **kwargs)
