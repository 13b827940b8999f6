"""The template library: built-in and user templates, instancing, customisations, upgrades.

Certification is recomputed (the template validates and its whole test suite
passes), cached by the template's content hash; the `certified` flag a file
claims is never trusted. Instances are plain mapping documents saved in the
store, each recorded in the template-instances table with its template version.

A template that carries a pipeline (issue 19 item 6) makes its named mappings and
its pipeline when used (`Templates.use`); its certification covers the tests of
every mapping and of the pipeline. The files its enrich steps read are taken from
the template file's folder: a built-in's are resolved in the built-in folder when it
is certified or used (the library keeps them as shipped), an imported template's are
stored absolute.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldwright.domain import ConnectorRef, DocumentError, MappingDocument, Problem
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.pipeline_store import PipelineDiff, PipelineVersionInfo
from fieldwright.domain.store_models import (
    DeploymentStatus,
    MappingDiff,
    MappingVersionInfo,
    TemplateInstanceRecord,
    TemplateRecord,
)
from fieldwright.domain.template import (
    Expansion,
    TemplateCategory,
    TemplateDocument,
    dump_template,
    expand,
    expand_pipeline,
    instance_key,
    load_template,
    mapping_instance_key,
    pipeline_instance_key,
    save_template,
    template_from_data,
    template_to_data,
)
from fieldwright.engine import SuiteResult, compile_document, run_tests
from fieldwright.resources import resources_dir
from fieldwright.service._boundary import service_errors
from fieldwright.service._template_merge import Choice, MergeChange, MergeConflict, build, merge
from fieldwright.service.errors import InvalidDocument, InvalidRequest, NotFound, SaveConflict
from fieldwright.service.stored_pipelines import anchor_steps
from fieldwright.store import MappingRepository, PipelineRepository, Store
from fieldwright.store.diff import diff_documents
from fieldwright.store.pipeline_diff import diff_pipelines

if TYPE_CHECKING:
    from fieldwright.engine.pipeline import CompiledPipeline
from fieldwright.store.errors import NotFound as StoreNotFound
from fieldwright.store.templates import TemplateRepository

__all__ = [
    "Certification",
    "Choice",
    "MergeChange",
    "MergeConflict",
    "TemplateSummary",
    "TemplateUse",
    "Templates",
    "UpgradePlan",
    "anchor_template",
    "is_template_file",
    "template_suites",
    "test_template_file",
]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class Certification:
    """The recomputed verdict: the template validates and every one of its tests passes."""

    problems: tuple[Problem, ...] = ()
    passed: int = 0
    failed: int = 0
    #: Names of the failing tests, with why.
    failures: tuple[str, ...] = ()

    @property
    def certified(self) -> bool:
        return not self.problems and self.failed == 0 and self.passed > 0


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    """A template as the library lists it."""

    code: str
    version: int
    name: str
    category: str
    description: str
    source_system: str
    target_system: str
    mapping_count: int
    test_count: int
    certified: bool  #: recomputed, never read from the file
    builtin: bool
    #: The steps of the pipeline the template makes (0: a mapping template).
    pipeline_steps: int = 0


@dataclass(frozen=True, slots=True)
class TemplateUse:
    """What using a template made in the store: its mappings, and its pipeline if it has one."""

    template_code: str
    template_version: int
    #: The keys of the mappings made: the top-level mapping's first, then the named ones.
    mapping_keys: tuple[str, ...]
    pipeline_key: str | None = None


@dataclass(frozen=True, slots=True)
class UpgradePlan:
    """What upgrading an instance to a newer template version brings in, and what clashes."""

    mapping_key: str
    template_code: str
    from_version: int
    to_version: int
    #: The instance's stored version the plan was made from (a later save makes it stale).
    mapping_version: int
    changes: list[MergeChange]
    conflicts: list[MergeConflict]
    merged: dict[str, Any] = field(repr=False, default_factory=dict)


def anchor_template(template: TemplateDocument, base_dir: Path) -> TemplateDocument:
    """`template` with the relative paths of its pipeline's enrich sources (and map steps'
    mapping files) made absolute from `base_dir`, the template file's folder."""
    if template.pipeline is None:
        return template
    steps = anchor_steps(template.pipeline.steps, base_dir)
    return template.model_copy(
        update={"pipeline": template.pipeline.model_copy(update={"steps": steps})}
    )


def _mapping_title(template: TemplateDocument, name: str, title: str) -> str:
    shown = template.mappings[name].name or name
    return f"{title}: {shown}"


def _expanded_mappings(
    template: TemplateDocument, keys: dict[str | None, str], title: str
) -> dict[str | None, MappingDocument]:
    """The template's mappings as documents (None: the top-level one), DocumentError with
    the template's pointers when one cannot be compiled."""
    documents: dict[str | None, MappingDocument] = {}
    for name, key in keys.items():
        shown = title if name is None else _mapping_title(template, name, title)
        expansion = expand(template, key=key, name=shown, mapping=name)
        try:
            compile_document(expansion.document)
        except DocumentError as exc:
            raise DocumentError(
                [Problem(expansion.template_pointer(p.pointer), p.message) for p in exc.problems]
            ) from exc
        documents[name] = expansion.document
    return documents


def _has_top_mapping(template: TemplateDocument) -> bool:
    return bool(template.fields) or template.pipeline is None


def _compiled_pipeline(
    template: TemplateDocument, document: PipelineDocument, by_key: dict[str, MappingDocument]
) -> CompiledPipeline:
    # The pipeline engine loads with a template's pipeline, not with the Service (issue 18).
    from fieldwright.engine.pipeline import PipelineResolver, compile_pipeline
    from fieldwright.service.pipelines import file_resolver

    files = file_resolver(None)

    def mapping(name: str) -> MappingDocument:
        if name in by_key:
            return by_key[name]
        assert files.mapping is not None
        return files.mapping(name)

    try:
        return compile_pipeline(
            document, PipelineResolver(mapping=mapping, partner=files.partner), source=template.code
        )
    except DocumentError as exc:
        raise DocumentError(
            [Problem("/pipeline" + p.pointer, p.message) for p in exc.problems]
        ) from exc


def template_suites(template: TemplateDocument) -> list[tuple[str, SuiteResult]]:
    """Run every test of a template: its top-level mapping's (named by the template's
    code), each named mapping's (`code/name`) and its pipeline's (`code/pipeline`).
    DocumentError, with the template's pointers, when a part cannot be compiled."""
    keys: dict[str | None, str] = (
        {None: f"mapping_{template.code}"} if _has_top_mapping(template) else {}
    )
    keys.update({name: name for name in template.mappings})
    documents = _expanded_mappings(template, keys, template.name)
    suites: list[tuple[str, SuiteResult]] = []
    for name, document in documents.items():
        label = template.code if name is None else f"{template.code}/{name}"
        suites.append((label, run_tests(compile_document(document))))
    if template.pipeline is not None:
        named = {name: doc for name, doc in documents.items() if name is not None}
        pipeline = expand_pipeline(
            template,
            key=f"pipeline_{template.code}",
            name=template.name,
            mapping_keys={name: name for name in named},
        )
        compiled = _compiled_pipeline(template, pipeline, named)
        from fieldwright.service.pipelines import run_pipeline_suite

        suites.append((f"{template.code}/pipeline", run_pipeline_suite(compiled)))
    return suites


def is_template_file(path: PathLike) -> bool:
    """Whether `path` names a template file (`*.fwtemplate.json`)."""
    return os.fspath(path).endswith(".fwtemplate.json")


def test_template_file(path: PathLike) -> list[tuple[str, SuiteResult]]:
    """Run every test of a template file (`fieldwright test`): its mappings' suites and
    its pipeline's, each named as `template_suites` names it. Enrich files are found
    beside the template. InvalidDocument names the file and every problem's pointer."""
    with service_errors(f"testing {os.fspath(path)}"):
        template = anchor_template(load_template(path), Path(path).resolve().parent)
    try:
        return template_suites(template)
    except DocumentError as exc:
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise InvalidDocument(
            f"{os.fspath(path)}: the template cannot be tested:\n{lines}", exc.problems
        ) from exc


def _with_connectors(
    pipeline: PipelineDocument, source: ConnectorRef | None, target: ConnectorRef | None
) -> PipelineDocument:
    """`pipeline` reading from `source` and writing to `target` where they are given (the
    template's record schemas kept)."""
    update = {
        side: getattr(pipeline, side).model_copy(update={"connector": ref})
        for side, ref in (("source", source), ("target", target))
        if ref is not None
    }
    return pipeline.model_copy(update=update) if update else pipeline


def _use_choices(
    client: str, source: ConnectorRef | None, target: ConnectorRef | None
) -> dict[str, Any]:
    """What a pipeline instance was given on use: its client, its connectors if chosen."""
    chosen: dict[str, Any] = {"client": client}
    for side, ref in (("source", source), ("target", target)):
        if ref is not None:
            chosen[side] = ref.model_dump(mode="json", exclude_none=True)
    return chosen


def _chosen_ref(chosen: Mapping[str, Any], side: str) -> ConnectorRef | None:
    data = chosen.get(side)
    return ConnectorRef.model_validate(data) if isinstance(data, dict) else None


def _describe_diff(diff: PipelineDiff) -> str:
    parts = [f"step {name!r} added" for name in diff.added]
    parts += [f"step {name!r} removed" for name in diff.removed]
    parts += [f"step {c.step!r} changed ({', '.join(c.changes)})" for c in diff.changed]
    parts += ["steps reordered"] if diff.reordered else []
    parts += [f"{name} changed" for name in diff.other_changes]
    return "; ".join(parts)


def _content_hash(template: TemplateDocument) -> str:
    neutral = template.model_copy(update={"certified": False, "certified_at": None})
    return hashlib.sha256(dump_template(neutral).encode("utf-8")).hexdigest()


class Templates:
    """The template library of one store, plus the built-in templates shipped with the app."""

    def __init__(self, store: Store, *, builtin_dir: Path | None = None) -> None:
        self._repo = TemplateRepository(store)
        self._mappings = MappingRepository(store)
        self._pipelines = PipelineRepository(store)
        self._builtin_dir = builtin_dir
        self._certifications: dict[str, Certification] = {}

    # -- reading ----------------------------------------------------------------------------

    @property
    def _folder(self) -> Path:
        return self._builtin_dir or resources_dir() / "templates"

    def _builtins(self) -> list[TemplateDocument]:
        return [load_template(path) for path in sorted(self._folder.glob("*.fwtemplate.json"))]

    def _resolved(self, template: TemplateDocument) -> TemplateDocument:
        """The template with relative enrich paths taken from the built-in templates' folder:
        only a built-in (or the store's copy of one) has them, an imported template's are
        absolute. The library keeps them relative, so an export is the file as shipped."""
        return anchor_template(template, self._folder.resolve())

    def _all(self) -> list[tuple[TemplateDocument, bool]]:
        """Every template version: the store's, then built-ins the store does not hold."""
        found: dict[tuple[str, int], tuple[TemplateDocument, bool]] = {}
        for record in self._repo.list_templates(include_inactive=True):
            template = template_from_data(record.document)
            found[(template.code, template.version)] = (template, False)
        for template in self._builtins():
            found.setdefault((template.code, template.version), (template, True))
        return sorted(found.values(), key=lambda item: (item[0].code, -item[0].version))

    def get(self, code: str, version: int | None = None) -> TemplateDocument:
        """A template version; without `version`, its highest."""
        with service_errors(f"opening template {code!r}"):
            versions = [t for t, _ in self._all() if t.code == code]
        chosen = [t for t in versions if version is None or t.version == version]
        if not chosen:
            which = f" version {version}" if version is not None else ""
            raise NotFound(f"there is no template {code!r}{which}; import it or pick another")
        return chosen[0]

    def certify(self, template: TemplateDocument) -> Certification:
        """Validate the template and run its tests (cached by content hash)."""
        digest = _content_hash(template)
        if digest not in self._certifications:
            self._certifications[digest] = self._certify(template)
        return self._certifications[digest]

    def _certify(self, template: TemplateDocument) -> Certification:
        try:
            suites = template_suites(self._resolved(template))
        except DocumentError as exc:
            return Certification(problems=tuple(exc.problems))
        failures: list[str] = []
        for label, suite in suites:
            where = "" if label == template.code else f"{label.split('/', 1)[1]}: "
            failures += [
                f"{where}{r.name}: {r.message or '; '.join(str(d) for d in r.differences)}"
                for r in suite.results
                if not r.passed
            ]
        return Certification(
            passed=sum(suite.passed for _, suite in suites),
            failed=sum(suite.failed for _, suite in suites),
            failures=tuple(failures),
        )

    def list_templates(
        self, search: str | None = None, category: str | None = None, *, all_versions: bool = False
    ) -> list[TemplateSummary]:
        """Templates by code, newest version first (only the newest unless `all_versions`).

        `search` matches code, name, description and system names; `category` filters.
        """
        with service_errors("listing templates"):
            everything = self._all()
        needle = (search or "").strip().lower()
        shown: list[TemplateSummary] = []
        seen: set[str] = set()
        for template, builtin in everything:
            if not all_versions and template.code in seen:
                continue
            seen.add(template.code)
            parts = (template.code, template.name, template.description)
            systems = (template.source_system, template.target_system)
            text = " ".join((*parts, *systems)).lower()
            if needle and needle not in text:
                continue
            if category is not None and template.category != category:
                continue
            shown.append(self._summary(template, builtin))
        return shown

    def _summary(self, template: TemplateDocument, builtin: bool) -> TemplateSummary:
        return TemplateSummary(
            code=template.code,
            version=template.version,
            name=template.name,
            category=template.category.value,
            description=template.description,
            source_system=template.source_system,
            target_system=template.target_system,
            mapping_count=len(template.fields)
            + sum(len(m.fields) for m in template.mappings.values()),
            test_count=len(template.tests)
            + sum(len(m.tests) for m in template.mappings.values())
            + (len(template.pipeline.tests) if template.pipeline else 0),
            certified=self.certify(template).certified,
            builtin=builtin,
            pipeline_steps=len(template.pipeline.steps) if template.pipeline else 0,
        )

    # -- instances --------------------------------------------------------------------------

    def _expansion(
        self, template: TemplateDocument, key: str, name: str, mapping: str | None = None
    ) -> Expansion:
        with service_errors(f"expanding template {template.code!r}"):
            return expand(template, key=key, name=name, mapping=mapping)

    def _ensure_stored(self, template: TemplateDocument) -> None:
        try:
            self._repo.get(template.code, str(template.version))
        except StoreNotFound:
            self._repo.create(self._record(template))

    def _record(self, template: TemplateDocument) -> TemplateRecord:
        verdict = self.certify(template)
        stored = template.model_copy(
            update={
                "certified": verdict.certified,
                "certified_at": date.today() if verdict.certified else None,
            }
        )
        return TemplateRecord(
            code=template.code,
            name=template.name,
            category=template.category.value,
            version=str(template.version),
            description=template.description,
            certified=verdict.certified,
            certified_on=stored.certified_at,
            active=verdict.certified,
            document=template_to_data(stored),
        )

    def instantiate(
        self,
        code: str,
        client: str,
        *,
        version: int | None = None,
        name: str | None = None,
        today: date | None = None,
    ) -> MappingDocument:
        """A new mapping `mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}` from a template, saved
        in the store with the template's mappings and tests, and recorded as a draft instance.
        A template with a pipeline makes it too (see `use`); this returns its first mapping."""
        made = self.use(code, client, version=version, name=name, today=today)
        with service_errors():
            return self._mappings.load_mapping(made.mapping_keys[0])

    def use(
        self,
        code: str,
        client: str,
        *,
        version: int | None = None,
        name: str | None = None,
        today: date | None = None,
        source: ConnectorRef | None = None,
        target: ConnectorRef | None = None,
    ) -> TemplateUse:
        """Make a template's mappings (and its pipeline, when it carries one) in the store,
        keys derived from the client code, their tests with them; each mapping, and the
        pipeline, is recorded as a draft instance of the template version. `source` and
        `target` (a saved connection's reference) replace the pipeline's connectors; they
        are the instance's customisations from the start. Nothing is saved when a key is
        taken."""
        template = self.get(code, version)
        verdict = self.certify(template)
        if not verdict.certified:
            why = "; ".join([str(p) for p in verdict.problems] + list(verdict.failures))
            raise InvalidRequest(
                f"template {code!r} version {template.version} is not usable: "
                f"{why or 'it has no tests'}. Fix it and import it again."
            )
        day = today or date.today()
        if template.pipeline is None and (source is not None or target is not None):
            raise InvalidRequest(
                f"template {code!r} makes mappings, not a pipeline: choose their connections "
                "on the mappings"
            )
        shipped, template = template, self._resolved(template)
        try:
            keys: dict[str | None, str] = (
                {None: instance_key(template, client, day)} if _has_top_mapping(template) else {}
            )
            keys.update(
                {n: mapping_instance_key(template, client, day, n) for n in template.mappings}
            )
            pipeline_key = (
                pipeline_instance_key(template, client, day) if template.pipeline else None
            )
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        client_code = client.strip().upper()
        title = name or f"{template.name} ({client_code})"
        with service_errors(f"using template {code!r}"):
            documents = _expanded_mappings(template, keys, title)
            pipeline = None
            if pipeline_key is not None:
                pipeline = expand_pipeline(
                    template,
                    key=pipeline_key,
                    name=title,
                    mapping_keys={n: k for n, k in keys.items() if n is not None},
                    client=client_code,
                )
                pipeline = _with_connectors(pipeline, source, target)
            self._refuse_taken(list(keys.values()), pipeline_key)
            self._ensure_stored(shipped)
            comment = f"from {code} version {template.version}"
            for document in documents.values():
                self._mappings.save_mapping(document, base_version=None, comment=comment)
                self._repo.add_instance(
                    TemplateInstanceRecord(
                        template_code=code,
                        template_version=str(template.version),
                        name=document.name,
                        mapping_key=document.key,
                        status=DeploymentStatus.DRAFT,
                    )
                )
            if pipeline is not None:
                self._pipelines.save_pipeline(pipeline, base_version=None, comment=comment)
                self._repo.add_instance(
                    TemplateInstanceRecord(
                        template_code=code,
                        template_version=str(template.version),
                        name=pipeline.name,
                        pipeline_key=pipeline.key,
                        customizations=_use_choices(client_code, source, target),
                        status=DeploymentStatus.DRAFT,
                    )
                )
        return TemplateUse(code, template.version, tuple(keys.values()), pipeline_key)

    def _refuse_taken(self, mapping_keys: list[str], pipeline_key: str | None) -> None:
        taken = [key for key in mapping_keys if self._mappings.exists(key)]
        if pipeline_key is not None and self._pipelines.exists(pipeline_key):
            taken.append(pipeline_key)
        if taken:
            raise SaveConflict(
                f"{', '.join(taken)} already in the store (the template was used for this "
                "client today): nothing was saved; open it, or use another client code"
            )

    def instance(self, mapping_key: str) -> TemplateInstanceRecord:
        """Which template version a mapping was made from."""
        with service_errors():
            return self._repo.instance_for_mapping(mapping_key)

    def instances(self, code: str) -> list[TemplateInstanceRecord]:
        with service_errors():
            return self._repo.instances(code)

    def _base(self, record: TemplateInstanceRecord, version: int | None = None) -> MappingDocument:
        template = self.get(record.template_code, version or int(record.template_version))
        assert record.mapping_key is not None
        named = [n for n in template.mappings if record.mapping_key.endswith(f"_{n.upper()}")]
        return self._expansion(
            template, record.mapping_key, record.name, named[0] if named else None
        ).document

    def customisations(self, mapping_key: str) -> MappingDiff:
        """What the instance changed from the template version it was made from."""
        record = self.instance(mapping_key)
        with service_errors():
            current = self._mappings.load_mapping(mapping_key)
        return diff_documents(self._base(record), current)

    def upgrade(self, mapping_key: str, to_version: int | None = None) -> UpgradePlan:
        """Plan moving an instance to a newer template version, keeping its customisations."""
        record = self.instance(mapping_key)
        newer = self.get(record.template_code, to_version)
        old_version = int(record.template_version)
        if newer.version <= old_version:
            raise InvalidRequest(
                f"{mapping_key!r} is already on {record.template_code} version {old_version}; "
                f"there is nothing newer than version {newer.version} to upgrade to"
            )
        with service_errors():
            current = self._mappings.load_mapping(mapping_key)
        result = merge(self._base(record), current, self._base(record, newer.version))
        return UpgradePlan(
            mapping_key=mapping_key,
            template_code=record.template_code,
            from_version=old_version,
            to_version=newer.version,
            mapping_version=current.version,
            changes=result.changes,
            conflicts=result.conflicts,
            merged=result.merged,
        )

    def apply_upgrade(
        self, plan: UpgradePlan, choices: Mapping[str, Choice | str] | None = None
    ) -> MappingVersionInfo:
        """Save the merged instance. Every conflict needs a choice (by its unit):
        ``"instance"`` keeps the instance's, ``"template"`` takes the new template's."""
        chosen = {unit: Choice(value) for unit, value in (choices or {}).items()}
        unresolved = [c.unit for c in plan.conflicts if c.unit not in chosen]
        if unresolved:
            raise InvalidRequest(
                "the upgrade has unresolved conflicts: "
                + ", ".join(unresolved)
                + '; choose "instance" or "template" for each'
            )
        merged = dict(plan.merged)
        for conflict in plan.conflicts:
            if chosen[conflict.unit] is Choice.TEMPLATE:
                merged[conflict.unit] = conflict.template
        with service_errors(f"upgrading {plan.mapping_key!r}"):
            current = self._mappings.load_mapping(plan.mapping_key, plan.mapping_version)
            document = build(current, merged)
            compile_document(document)
            record = self._repo.instance_for_mapping(plan.mapping_key)
            self._ensure_stored(self.get(plan.template_code, plan.to_version))
            info = self._mappings.save_mapping(
                document,
                base_version=plan.mapping_version,
                comment=f"upgraded to {plan.template_code} version {plan.to_version}",
            )
            self._repo.update_instance(
                record.model_copy(update={"template_version": str(plan.to_version)})
            )
            return info

    # -- pipelines made by a template -------------------------------------------------------

    def pipeline_instance(self, pipeline_key: str) -> TemplateInstanceRecord:
        """Which template version a pipeline was made from (or last upgraded to)."""
        with service_errors():
            return self._repo.instance_for_pipeline(pipeline_key)

    def _pipeline_base(
        self, record: TemplateInstanceRecord, version: int | None = None
    ) -> PipelineDocument:
        """The pipeline template version `version` (default: the instance's) makes for the
        instance: its key, name, client, mapping keys and the connectors chosen on use."""
        template = self.get(record.template_code, version or int(record.template_version))
        assert record.pipeline_key is not None
        if template.pipeline is None:
            raise InvalidRequest(
                f"{record.template_code} version {template.version} carries no pipeline: "
                f"{record.pipeline_key!r} cannot be made from it"
            )
        prefix = "mapping_" + record.pipeline_key.removeprefix("pipeline_")
        chosen = record.customizations
        with service_errors(f"expanding template {record.template_code!r}"):
            pipeline = expand_pipeline(
                self._resolved(template),
                key=record.pipeline_key,
                name=record.name,
                mapping_keys={n: f"{prefix}_{n.upper()}" for n in template.mappings},
                client=str(chosen.get("client") or ""),
            )
            return _with_connectors(
                pipeline, _chosen_ref(chosen, "source"), _chosen_ref(chosen, "target")
            )

    def pipeline_customisations(self, pipeline_key: str) -> PipelineDiff:
        """What the analyst changed in a pipeline since its template version made it."""
        record = self.pipeline_instance(pipeline_key)
        with service_errors():
            current = self._pipelines.load_pipeline(pipeline_key)
        base = self._pipeline_base(record).model_copy(update={"version": current.version})
        return diff_pipelines(base, current)

    def upgrade_pipeline(
        self, pipeline_key: str, to_version: int | None = None
    ) -> PipelineVersionInfo:
        """Make the pipeline of a newer template version a new version of `pipeline_key`,
        with the mappings that version names and the store lacks. Refused, with what changed,
        when the analyst changed the pipeline since the template made it: the upgrade would
        lose those changes (the mappings' upgrades merge; a pipeline's does not yet)."""
        record = self.pipeline_instance(pipeline_key)
        newer = self.get(record.template_code, to_version)
        old_version = int(record.template_version)
        if newer.version <= old_version:
            raise InvalidRequest(
                f"{pipeline_key!r} is already on {record.template_code} version {old_version}; "
                f"there is nothing newer than version {newer.version} to upgrade to"
            )
        changed = self.pipeline_customisations(pipeline_key)
        if not changed.is_empty:
            raise InvalidRequest(
                f"{pipeline_key!r} was changed since {record.template_code} version "
                f"{old_version} made it ({_describe_diff(changed)}): upgrading to version "
                f"{newer.version} would lose those changes, so nothing was saved. Save the "
                "changes elsewhere, restore the version the template made, then upgrade"
            )
        upgraded = self._pipeline_base(record, newer.version)
        prefix = "mapping_" + pipeline_key.removeprefix("pipeline_")
        keys = {n: f"{prefix}_{n.upper()}" for n in newer.mappings}
        comment = f"upgraded to {record.template_code} version {newer.version}"
        with service_errors(f"upgrading {pipeline_key!r}"):
            missing: dict[str | None, str] = {
                n: k for n, k in keys.items() if not self._mappings.exists(k)
            }
            documents = _expanded_mappings(self._resolved(newer), missing, record.name)
            self._ensure_stored(newer)
            for document in documents.values():
                self._mappings.save_mapping(document, base_version=None, comment=comment)
                self._repo.add_instance(
                    TemplateInstanceRecord(
                        template_code=record.template_code,
                        template_version=str(newer.version),
                        name=document.name,
                        mapping_key=document.key,
                        status=DeploymentStatus.DRAFT,
                    )
                )
            info = self._pipelines.save_pipeline(
                upgraded,
                base_version=self._pipelines.latest_version(pipeline_key),
                comment=comment,
            )
            self._repo.update_instance(
                record.model_copy(update={"template_version": str(newer.version)})
            )
            return info

    # -- saving, import, export -------------------------------------------------------------

    def _store_new(self, template: TemplateDocument, source: str) -> TemplateSummary:
        verdict = self.certify(template)
        if verdict.problems:
            lines = "\n".join(f"  {problem}" for problem in verdict.problems)
            raise InvalidDocument(
                f"{source}: template {template.code!r} cannot be used:\n{lines}", verdict.problems
            )
        with service_errors(f"saving template {template.code!r}"):
            self._repo.create(self._record(template))
        return self._summary(template, builtin=False)

    def save_as_template(
        self,
        document: MappingDocument,
        code: str,
        *,
        version: int = 1,
        category: TemplateCategory | str = TemplateCategory.CUSTOM,
        source_system: str,
        target_system: str,
        name: str | None = None,
        description: str | None = None,
        documentation: str = "",
    ) -> TemplateSummary:
        """Store a mapping as a new template version (its tests come along)."""
        data: dict[str, Any] = {
            part: getattr(document, part)
            for part in (
                "source",
                "target",
                "lookups",
                "lookup_defaults",
                "filter",
                "library",
                "fields",
                "tests",
                "run",
            )
        }
        with service_errors("making a template"):
            template = TemplateDocument(
                fieldwright=document.fieldwright,
                code=code,
                name=name or document.name,
                description=document.description if description is None else description,
                category=TemplateCategory(category),
                version=version,
                source_system=source_system,
                target_system=target_system,
                documentation=documentation,
                **data,
            )
        return self._store_new(template, f"mapping {document.key!r}")

    def import_template(self, path: PathLike) -> TemplateSummary:
        """Read, validate and store a template file; its tests decide whether it is usable."""
        with service_errors(f"importing {os.fspath(path)}"):
            template = anchor_template(load_template(path), Path(path).resolve().parent)
        return self._store_new(template, os.fspath(path))

    def export_template(self, code: str, version: int | None, path: PathLike) -> Path:
        """Write a template version to a file in canonical form, certification recomputed."""
        template = self.get(code, version)
        certified = self.certify(template).certified
        update = {
            "certified": certified,
            "certified_at": (template.certified_at or date.today()) if certified else None,
        }
        with service_errors(f"exporting template {code!r}"):
            save_template(template.model_copy(update=update), path)
        return Path(path)
