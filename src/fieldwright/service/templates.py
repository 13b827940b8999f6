"""The template library: built-in and user templates, instancing, customisations, upgrades.

Certification is recomputed (the template validates and its whole test suite
passes), cached by the template's content hash; the `certified` flag a file
claims is never trusted. Instances are plain mapping documents saved in the
store, each recorded in the template-instances table with its template version.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fieldwright.domain import DocumentError, MappingDocument, Problem
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
    instance_key,
    load_template,
    save_template,
    template_from_data,
    template_to_data,
)
from fieldwright.engine import compile_document, run_tests
from fieldwright.resources import resources_dir
from fieldwright.service._boundary import service_errors
from fieldwright.service._template_merge import Choice, MergeChange, MergeConflict, build, merge
from fieldwright.service.errors import InvalidDocument, InvalidRequest, NotFound
from fieldwright.store import MappingRepository, Store
from fieldwright.store.diff import diff_documents
from fieldwright.store.errors import NotFound as StoreNotFound
from fieldwright.store.templates import TemplateRepository

__all__ = [
    "Certification",
    "Choice",
    "MergeChange",
    "MergeConflict",
    "TemplateSummary",
    "Templates",
    "UpgradePlan",
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


def _content_hash(template: TemplateDocument) -> str:
    neutral = template.model_copy(update={"certified": False, "certified_at": None})
    return hashlib.sha256(dump_template(neutral).encode("utf-8")).hexdigest()


class Templates:
    """The template library of one store, plus the built-in templates shipped with the app."""

    def __init__(self, store: Store, *, builtin_dir: Path | None = None) -> None:
        self._repo = TemplateRepository(store)
        self._mappings = MappingRepository(store)
        self._builtin_dir = builtin_dir
        self._certifications: dict[str, Certification] = {}

    # -- reading ----------------------------------------------------------------------------

    def _builtins(self) -> list[TemplateDocument]:
        folder = self._builtin_dir or resources_dir() / "templates"
        return [load_template(path) for path in sorted(folder.glob("*.fwtemplate.json"))]

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
            expansion = expand(template, key=f"mapping_{template.code}", name=template.name)
        except DocumentError as exc:
            return Certification(problems=tuple(exc.problems))
        try:
            compiled = compile_document(expansion.document)
        except DocumentError as exc:
            return Certification(
                problems=tuple(
                    Problem(expansion.template_pointer(p.pointer), p.message) for p in exc.problems
                )
            )
        suite = run_tests(compiled)
        failures = tuple(
            f"{r.name}: {r.message or '; '.join(str(d) for d in r.differences)}"
            for r in suite.results
            if not r.passed
        )
        return Certification(passed=suite.passed, failed=suite.failed, failures=failures)

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
            mapping_count=len(template.fields),
            test_count=len(template.tests),
            certified=self.certify(template).certified,
            builtin=builtin,
        )

    # -- instances --------------------------------------------------------------------------

    def _expansion(self, template: TemplateDocument, key: str, name: str) -> Expansion:
        with service_errors(f"expanding template {template.code!r}"):
            return expand(template, key=key, name=name)

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
        in the store with the template's mappings and tests, and recorded as a draft instance."""
        template = self.get(code, version)
        verdict = self.certify(template)
        if not verdict.certified:
            why = "; ".join([str(p) for p in verdict.problems] + list(verdict.failures))
            raise InvalidRequest(
                f"template {code!r} version {template.version} is not usable: "
                f"{why or 'it has no tests'}. Fix it and import it again."
            )
        try:
            key = instance_key(template, client, today or date.today())
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        title = name or f"{template.name} ({client.strip().upper()})"
        document = self._expansion(template, key, title).document
        with service_errors(f"instancing template {code!r}"):
            self._ensure_stored(template)
            self._mappings.save_mapping(
                document, base_version=None, comment=f"from {code} version {template.version}"
            )
            self._repo.add_instance(
                TemplateInstanceRecord(
                    template_code=code,
                    template_version=str(template.version),
                    name=title,
                    mapping_key=key,
                    status=DeploymentStatus.DRAFT,
                )
            )
            return self._mappings.load_mapping(key)

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
        return self._expansion(template, record.mapping_key, record.name).document

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
            template = load_template(path)
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
