"""Compile a pipeline document into step runtimes; every problem with its JSON pointer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fieldwright.domain import ConnectorRef, DocumentError, MappingDocument, Problem, pointer
from fieldwright.domain.pipeline import (
    AggregateStep,
    DedupeStep,
    EnrichMode,
    EnrichStep,
    FilterStep,
    MapStep,
    PipelineDocument,
    PipelineStep,
    RouteStep,
    SortStep,
    UnwindStep,
    ValidateStep,
)
from fieldwright.domain.pipeline_canonical import PipelineError
from fieldwright.domain.records import SourceItem
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.functions._expressions import ExpressionError, compile_expression
from fieldwright.engine.paths import PathError
from fieldwright.engine.pipeline.aggregate import AggregateRuntime, Aggregator
from fieldwright.engine.pipeline.flow import StepRuntime
from fieldwright.engine.pipeline.ordering import SortRuntime
from fieldwright.engine.pipeline.route import BranchRuntime, RouteRuntime
from fieldwright.engine.pipeline.steps import (
    DedupeRuntime,
    EnrichRuntime,
    FieldChecks,
    FilterRuntime,
    MapRuntime,
    PartnerLookup,
    UnwindRuntime,
    ValidateRuntime,
)
from fieldwright.engine.pipeline.values import Getter, getter, last_name
from fieldwright.engine.rules import compile_rules

__all__ = ["CompiledPipeline", "PipelineResolver", "compile_pipeline", "validate_pipeline"]


@dataclass(frozen=True, slots=True)
class PipelineResolver:
    """What compiling a pipeline needs from outside the engine."""

    #: The mapping document a map step names by path (relative to the pipeline).
    mapping: Callable[[str], MappingDocument] | None = None
    #: Opens an enrich step's second source (its records, read once per run).
    partner: Callable[[EnrichStep], Iterable[SourceItem]] | None = None
    #: Opens an enrich step's lookup (`mode: lookup`: keys asked a batch at a time).
    lookup: Callable[[EnrichStep], PartnerLookup] | None = None
    #: What is wrong with an enrich step's source (an unknown connection, a missing key
    #: column): (pointer below the step, message) pairs; asked when compiling.
    check_source: Callable[[EnrichStep], list[tuple[str, str]]] | None = None


@dataclass(slots=True)
class CompiledPipeline:
    document: PipelineDocument
    steps: list[StepRuntime] = field(default_factory=list)

    def all_steps(self) -> list[StepRuntime]:
        """Every step, those inside route branches after their route step."""
        every: list[StepRuntime] = []
        for step in self.steps:
            every += [step, *step.children()]
        return every


class _Compiler:
    def __init__(self, document: PipelineDocument, resolver: PipelineResolver) -> None:
        self.document = document
        self.resolver = resolver
        self.problems: list[Problem] = []

    def path(self, where: str, text: str, *, name: bool = False) -> Getter:
        try:
            get = getter(text)
            if name:
                last_name(text)
            return get
        except PathError as exc:
            self.problems.append(Problem(where, str(exc)))
            return lambda _record: None

    def name_of(self, where: str, text: str) -> str:
        try:
            return last_name(text)
        except PathError:
            return text  # reported by `path`

    def step(self, at: str, step: PipelineStep) -> StepRuntime | None:
        budget = self.document.spill_after
        if isinstance(step, MapStep):
            return self.map_step(at, step)
        if isinstance(step, FilterStep):
            try:
                return FilterRuntime(step.name, compile_expression(step.predicate))
            except ExpressionError as exc:
                self.problems.append(Problem(at + "/predicate", f"not a valid JMESPath: {exc}"))
                return None
        if isinstance(step, ValidateStep):
            checks: list[FieldChecks] = []
            for n, check in enumerate(step.checks):
                get = self.path(f"{at}/checks/{n}/field", check.field)
                checks.append((check.field, get, check.required, compile_rules(check)))
            return ValidateRuntime(step.name, checks)
        if isinstance(step, UnwindStep):
            carry = [(name, self.path(f"{at}/carry/{name}", p)) for name, p in step.carry.items()]
            array = self.path(at + "/path", step.path)
            return UnwindRuntime(
                step.name,
                step.path,
                array,
                carry,
                step.into,
                step.position,
                step.position_base,
                step.keep_empty,
            )
        if isinstance(step, EnrichStep):
            return self.enrich_step(at, step)
        if isinstance(step, AggregateStep):
            keys = [
                (
                    self.name_of(f"{at}/group_by/{n}", p),
                    self.path(f"{at}/group_by/{n}", p, name=True),
                )
                for n, p in enumerate(step.group_by)
            ]
            names = [name for name, _get in keys] + [a.name for a in step.aggregates]
            if len(set(names)) != len(names):
                twice = sorted({n for n in names if names.count(n) > 1})
                self.problems.append(
                    Problem(
                        at, f"two output fields are named {', '.join(twice)}; rename an aggregate"
                    )
                )
            aggregators = [
                Aggregator(
                    a.name,
                    a.fn,
                    a.field,
                    None if a.field is None else self.path(f"{at}/aggregates/{n}/field", a.field),
                )
                for n, a in enumerate(step.aggregates)
            ]
            return AggregateRuntime(step.name, keys, aggregators, budget)
        if isinstance(step, SortStep):
            sort_keys = [
                (self.path(f"{at}/keys/{n}/field", k.field), k.descending)
                for n, k in enumerate(step.keys)
            ]
            return SortRuntime(step.name, sort_keys, budget)
        if isinstance(step, RouteStep):
            return self.route_step(at, step)
        assert isinstance(step, DedupeStep)
        dedupe_keys = [self.path(f"{at}/keys/{n}", k) for n, k in enumerate(step.keys)]
        return DedupeRuntime(step.name, dedupe_keys, step.keep)

    def route_step(self, at: str, step: RouteStep) -> StepRuntime:
        branches: list[BranchRuntime] = []
        for b, branch in enumerate(step.branches):
            where = f"{at}/branches/{b}"
            predicate = None
            if branch.when is not None:
                try:
                    predicate = compile_expression(branch.when)
                except ExpressionError as exc:
                    self.problems.append(Problem(where + "/when", f"not a valid JMESPath: {exc}"))
            if branch.target is not None:
                found = _branch_target_problem(branch.target.connector)
                if found is not None:
                    pointer, problem = found
                    self.problems.append(Problem(where + "/target" + pointer, problem))
            steps: list[StepRuntime] = []
            for n, inner in enumerate(branch.steps):
                runtime = self.step(f"{where}/steps/{n}", inner)
                if runtime is not None:
                    prefix = f"{step.name}/{branch.name}/"
                    runtime.name = prefix + runtime.name
                    for inner_step in runtime.children():  # a nested route's: all levels
                        inner_step.name = prefix + inner_step.name
                    runtime.reset()
                    steps.append(runtime)
            branches.append(BranchRuntime(branch, predicate, steps))
        return RouteRuntime(step.name, step.mode, branches, self.document.run.batch_size)

    def map_step(self, at: str, step: MapStep) -> StepRuntime | None:
        if isinstance(step.mapping, str):
            if self.resolver.mapping is None:
                self.problems.append(
                    Problem(
                        at + "/mapping",
                        "a mapping named by path needs "
                        "the pipeline's file to find it; embed it instead",
                    )
                )
                return None
            try:
                document = self.resolver.mapping(step.mapping)
                return MapRuntime(step.name, compile_document(document, source=step.mapping))
            except DocumentError as exc:
                where = f"{exc.source}: " if exc.source else ""
                self.problems += [
                    Problem(at + "/mapping", f"{where}{p if p.pointer else p.message}")
                    for p in exc.problems
                ]
                return None
        try:
            return MapRuntime(step.name, compile_document(step.mapping))
        except DocumentError as exc:
            self.problems += [Problem(at + "/mapping" + p.pointer, p.message) for p in exc.problems]
            return None

    def enrich_step(self, at: str, step: EnrichStep) -> StepRuntime | None:
        left = [self.path(f"{at}/on", p) for p in step.on]
        right = [self.path(f"{at}/on/{p}", q) for p, q in step.on.items()]
        fields = [(name, self.path(f"{at}/fields/{name}", p)) for name, p in step.fields.items()]
        if self.resolver.check_source is not None:
            for below, message in self.resolver.check_source(step):
                self.problems.append(Problem(at + below, message))
        if step.mode is EnrichMode.LOOKUP:
            lookup = self.resolver.lookup
            if lookup is None:
                self.problems.append(
                    Problem(
                        at + "/source",
                        "an enrich lookup needs its source opened "
                        "by the service; run the pipeline through it",
                    )
                )
                return None
            return EnrichRuntime(step, left, right, fields, None, lambda: lookup(step))
        partner = self.resolver.partner
        if partner is None:
            self.problems.append(
                Problem(
                    at + "/source",
                    "an enrich step needs its source opened "
                    "by the service; run the pipeline through it",
                )
            )
            return None
        return EnrichRuntime(step, left, right, fields, lambda: partner(step))


def _compile(
    document: PipelineDocument, resolver: PipelineResolver
) -> tuple[CompiledPipeline, list[Problem]]:
    compiler = _Compiler(document, resolver)
    compiled = CompiledPipeline(document)
    for index, step in enumerate(document.steps):
        runtime = compiler.step(pointer("steps", index), step)
        if runtime is not None:
            compiled.steps.append(runtime)
    return compiled, compiler.problems


def compile_pipeline(
    document: PipelineDocument,
    resolver: PipelineResolver | None = None,
    *,
    source: str | None = None,
) -> CompiledPipeline:
    """Compile every step; raise DocumentError listing every problem with its pointer."""
    compiled, problems = _compile(document, resolver or PipelineResolver())
    if problems:
        raise PipelineError(problems, source=source)
    return compiled


def validate_pipeline(
    document: PipelineDocument, resolver: PipelineResolver | None = None
) -> list[Problem]:
    """Every problem of `document`; empty when it compiles. Enrich sources are not opened."""
    resolver = resolver or PipelineResolver()
    resolver = PipelineResolver(
        resolver.mapping, lambda _step: (), _never_opened, resolver.check_source
    )
    return _compile(document, resolver)[1]


def _never_opened(step: EnrichStep) -> PartnerLookup:
    raise AssertionError(f"validating opens no enrich source (step {step.name!r})")


#: The kinds of connector a branch's target may be: a file's, sql, http.
_FILE_KINDS = frozenset({"csv", "tsv", "ndjson", "jsonl", "json", "xlsx", "excel"})


def _branch_target_problem(connector: ConnectorRef | None) -> tuple[str, str] | None:
    """What a branch's target lacks, with its pointer under the target: a file names
    itself (beside the run's output), a SQL table its table and its database (a url, or
    a saved connection), an HTTP endpoint its URL (or a saved connection); another kind
    is refused at ``/connector/kind``. None when complete."""
    kind = connector.kind.lower() if connector is not None else None
    settings = connector.settings if connector is not None else {}
    if connector is not None and kind == "sql":
        table = settings.get("table")
        if not isinstance(table, str) or not table:
            return "", "a branch's SQL target names its table: connector.settings.table"
        url = settings.get("url")
        if connector.connection is None and (not isinstance(url, str) or not url):
            return (
                "",
                "a branch's SQL target names its database: connector.settings.url, "
                "or a saved connection in connector.connection",
            )
        return None
    if connector is not None and kind == "http":
        url = settings.get("url")
        if connector.connection is None and (not isinstance(url, str) or not url):
            return (
                "",
                "a branch's HTTP target names its endpoint: connector.settings.url, or a "
                "saved connection in connector.connection",
            )
        if connector.connection is None and not str(url).lower().startswith(
            ("http://", "https://")
        ):
            return "/connector/settings/url", f"not an http(s) URL: {url!r}"
        return None
    if connector is not None and kind not in _FILE_KINDS:
        return (
            "/connector/kind",
            f"a branch's target is a file ({', '.join(sorted(_FILE_KINDS))}), a SQL table "
            f"(sql) or an HTTP endpoint (http), not {connector.kind!r}",
        )
    path = settings.get("path")
    if not isinstance(path, str) or not path:
        return (
            "",
            "a branch's target names its file: connector.settings.path, beside the run's "
            "output (or a SQL table: kind sql with settings.table; an HTTP endpoint: kind "
            "http with settings.url)",
        )
    return None
