"""Pipelines in the store (issue 19, item 1): save, open, history, diff, restore, delete,
import and export; what a stored pipeline's map and enrich steps read.

A stored pipeline runs from any folder: importing (or saving with `base_dir`)
makes the relative paths of its source, target, map steps' mapping files and
enrich steps' sources absolute, taken from the pipeline file's folder. A map
step may also name a stored mapping by its business key.

The pipeline engine, the enrich sources and the pipeline suites are imported when a
pipeline is checked, compiled or tested, not with this module: the Service holds a
`StoredPipelines`, and a mapping's `fieldwright run KEY` does not pay for them (issue 18).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldwright.domain import ConnectorRef, DocumentError, MappingDocument, Problem, load
from fieldwright.domain.pipeline import (
    EnrichStep,
    MapStep,
    PipelineDocument,
    PipelineStep,
    RouteStep,
)
from fieldwright.domain.pipeline_canonical import load_pipeline, save_pipeline
from fieldwright.domain.pipeline_store import PipelineDiff, PipelineSummary, PipelineVersionInfo
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.service._boundary import service_errors
from fieldwright.service._connectors import file_kind_format, resolved
from fieldwright.service.errors import InvalidRequest
from fieldwright.store import MappingRepository, PipelineRepository, Store

if TYPE_CHECKING:
    from fieldwright.engine import SuiteResult
    from fieldwright.engine.pipeline import CompiledPipeline, PipelineResolver

__all__ = [
    "StoredPipelines",
    "anchor_pipeline_paths",
    "export_pipeline",
    "import_pipeline",
    "is_stored_pipeline",
]

PathLike = str | os.PathLike[str]


def _anchor_ref(ref: ConnectorRef | None, base_dir: Path) -> ConnectorRef | None:
    if ref is None or file_kind_format(ref.kind) is None:
        return ref
    raw = ref.settings.get("path")
    if not isinstance(raw, str) or not raw.strip() or Path(raw).expanduser().is_absolute():
        return ref
    return resolved(ref, base_dir)


def anchor_steps(steps: list[PipelineStep], base_dir: Path) -> list[PipelineStep]:
    """`steps` with relative paths made absolute from `base_dir`: map steps' mapping files
    (those that exist there), enrich steps' files, and the same inside route branches."""
    anchored: list[PipelineStep] = []
    for step in steps:
        if isinstance(step, MapStep) and isinstance(step.mapping, str):
            path = base_dir / step.mapping
            if not Path(step.mapping).is_absolute() and path.is_file():
                step = step.model_copy(update={"mapping": str(path.resolve())})
        elif isinstance(step, EnrichStep):
            step = step.model_copy(update={"source": _anchor_ref(step.source, base_dir)})
        elif isinstance(step, RouteStep):
            branches = [
                branch.model_copy(update={"steps": anchor_steps(branch.steps, base_dir)})
                for branch in step.branches
            ]
            step = step.model_copy(update={"branches": branches})
        anchored.append(step)
    return anchored


def anchor_pipeline_paths(document: PipelineDocument, base_dir: Path) -> PipelineDocument:
    """`document` with relative file paths made absolute from `base_dir`: its source and
    target connectors, the mapping files of map steps (those that exist there) and the
    files of enrich steps. Route branches' targets stay names beside the run's output."""
    update: dict[str, Any] = {"steps": anchor_steps(document.steps, base_dir)}
    for side in ("source", "target"):
        endpoint = getattr(document, side)
        ref = _anchor_ref(endpoint.connector, base_dir)
        if ref is not endpoint.connector:
            update[side] = endpoint.model_copy(update={"connector": ref})
    return document.model_copy(update=update)


class StoredPipelines:
    """The pipelines of one open store (`Service.pipelines`)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pipelines = PipelineRepository(store)
        self._mappings = MappingRepository(store)

    def list_pipelines(self, search: str | None = None) -> list[PipelineSummary]:
        """Stored pipelines, most recently changed first; `search` matches key or name."""
        with service_errors("listing pipelines"):
            return self._pipelines.list_pipelines(search=search)

    def exists(self, key: str) -> bool:
        with service_errors():
            return self._pipelines.exists(key)

    def open(self, key: str, version: int | None = None) -> PipelineDocument:
        """A stored pipeline's document (default: its latest version)."""
        with service_errors():
            return self._pipelines.load_pipeline(key, version)

    def save(
        self,
        document: PipelineDocument,
        base_version: int | None,
        *,
        comment: str = "",
        base_dir: PathLike | None = None,
    ) -> PipelineVersionInfo:
        """Save a new version; `base_version` is the version the editor started from (None
        for a new pipeline): a stale one raises SaveConflict naming who saved when.
        With `base_dir`, relative file paths are stored absolute, taken from there."""
        if base_dir is not None:
            document = anchor_pipeline_paths(document, Path(base_dir))
        with service_errors(f"saving pipeline {document.key!r}"):
            return self._pipelines.save_pipeline(
                document, base_version=base_version, comment=comment
            )

    def import_file(self, path: PathLike) -> PipelineVersionInfo:
        """Store a pipeline file as `fieldwright import` does: a new pipeline, or a new
        version of an existing key, its relative paths made absolute from the file's folder
        (see `anchor_pipeline_paths`); InvalidDocument names the file and every problem."""
        with service_errors(f"importing {os.fspath(path)}"):
            return _import_into(self._pipelines, path)

    def history(self, key: str) -> list[PipelineVersionInfo]:
        """Every saved version, newest first."""
        with service_errors():
            return self._pipelines.history(key)

    def diff(self, key: str, a: int, b: int | None = None) -> PipelineDiff:
        """Step-level changes from version `a` to version `b` (default: the latest)."""
        with service_errors():
            return self._pipelines.diff(key, a, b)

    def restore(self, key: str, version: int, base_version: int) -> PipelineVersionInfo:
        """Save old `version` again as the newest; `base_version` guards against lost edits."""
        with service_errors(f"restoring version {version} of {key!r}"):
            return self._pipelines.restore_version(key, version, base_version=base_version)

    def delete(self, key: str) -> int:
        """Delete a pipeline and its versions (its runs stay in the log); how many versions."""
        with service_errors(f"deleting pipeline {key!r}"):
            return self._pipelines.delete_pipeline(key)

    # -- running ----------------------------------------------------------------------------

    def resolver(self, *, probe: bool = False) -> PipelineResolver:
        """Map steps name a stored mapping by key, or a mapping file (absolute once stored);
        enrich steps read their file (absolute once stored), or a saved connection of this
        store; with `probe`, checking opens SQL sources to check their table and keys."""
        mappings = self._mappings

        def mapping(name: str) -> MappingDocument:
            if mappings.exists(name):
                return mappings.load_mapping(name)
            path = Path(name)
            if not path.is_file():
                # A problem at the step's pointer (checking as you type lists it), not an error.
                raise DocumentError(
                    [Problem("", f"{name!r} is neither a stored mapping's key nor a mapping file")]
                )
            return load(path)

        from fieldwright.service.enrich_sources import enrich_resolver, store_connections

        return enrich_resolver(None, store_connections(self._store), mapping, probe=probe)

    def connection_lookup(self) -> Callable[[str], ConnectorRef]:
        """The connector reference of a saved connection of this store by name (KeyError
        naming the saved ones when there is none): what enrich sources may name."""
        from fieldwright.service.enrich_sources import store_connections

        return store_connections(self._store)

    def check(self, document: PipelineDocument, *, probe: bool = True) -> list[Problem]:
        """Every problem of a pipeline with its pointer: map steps may name stored mappings,
        enrich sources' saved connections are looked up in this store; with `probe`, SQL
        sources are opened to check their table or query and key columns (the designer
        checks as you type without it)."""
        from fieldwright.engine.pipeline import validate_pipeline

        with service_errors(f"checking pipeline {document.key!r}"):
            return validate_pipeline(document, self.resolver(probe=probe))

    def compile_document(
        self, document: PipelineDocument, *, base: PathLike | None = None
    ) -> CompiledPipeline:
        """Compile a pipeline held in memory (the designer's), enrich sources' saved
        connections from this store; files relative to `base`."""
        from fieldwright.engine.pipeline import compile_pipeline
        from fieldwright.service.enrich_sources import enrich_resolver, store_connections

        folder = Path(base) if base is not None else None

        def mapping(name: str) -> MappingDocument:
            return load((folder or Path.cwd()) / name)

        with service_errors(f"pipeline {document.key!r}"):
            return compile_pipeline(
                document, enrich_resolver(folder, store_connections(self._store), mapping)
            )

    def compile(self, document: PipelineDocument) -> CompiledPipeline:
        """Compile a stored pipeline; InvalidDocument names every problem."""
        from fieldwright.engine.pipeline import compile_pipeline

        with service_errors(f"pipeline {document.key!r}"):
            return compile_pipeline(document, self.resolver(), source=document.key)

    def run_tests(self, key: str, version: int | None = None) -> SuiteResult:
        """Run the tests of stored pipeline `key` (`version`, default the latest) in memory:
        each test's differences (the output's, each branch target's, the failures) in its
        message, and the steps the tests reached as the coverage (the Tests page)."""
        document = self.open(key, version)
        compiled = self.compile(document)
        from fieldwright.service.pipelines import run_pipeline_suite

        with service_errors(f"the tests of pipeline {key!r}"):
            return run_pipeline_suite(compiled)


def import_pipeline(path: PathLike, url: str | None = None) -> PipelineVersionInfo:
    """Store a pipeline file: a new pipeline, or a new version of an existing key; its
    relative paths stored absolute (see `anchor_pipeline_paths`)."""
    with service_errors(f"importing {os.fspath(path)}"), Store.open(url) as store:
        return _import_into(PipelineRepository(store), path)


def _import_into(pipelines: PipelineRepository, path: PathLike) -> PipelineVersionInfo:
    document = anchor_pipeline_paths(load_pipeline(path), Path(path).resolve().parent)
    return pipelines.import_document(document, comment=f"imported from {Path(path).name}")


def export_pipeline(
    key: str, path: PathLike, version: int | None = None, url: str | None = None
) -> Path:
    """Write a pipeline version (default: the latest) to `path` (a folder: `KEY.json` in it)."""
    try:
        check_safe_key(key)
    except UnsafeKey as exc:
        raise InvalidRequest(f"{exc}; nothing was exported") from None
    with service_errors(f"exporting pipeline {key!r}"):
        with Store.open(url) as store:
            document = PipelineRepository(store).export_document(key, version)
        target = Path(path)
        if target.is_dir():
            target = target / f"{key}.json"
        save_pipeline(document, target)
    return target


def is_stored_pipeline(key: str, url: str | None = None) -> bool:
    """Whether the store at `url` holds a pipeline with the business key `key`; a URL
    that cannot be parsed is an InvalidRequest, as for every database command."""
    from fieldwright.service.database import _database_errors

    with _database_errors(url), Store.open(url) as store:
        return PipelineRepository(store).exists(key)
