"""Templates (generic JSON documents with code/name/category/version/certified) and instances.

The template model itself comes later; until then a template's body is kept
as an opaque JSON object. (code, version) is unique: a new version of a
template is a new row, an edit of a version updates it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldwright.domain.secrets_scan import describe_findings, document_secrets
from fieldwright.domain.store_models import TemplateInstanceRecord, TemplateRecord
from fieldwright.store._util import check_key, clean
from fieldwright.store.errors import Conflict, InvalidRecord, NotFound
from fieldwright.store.models import Mapping, Pipeline, Template, TemplateInstance
from fieldwright.store.store import Store

__all__ = ["TemplateRepository"]


def _record(row: Template) -> TemplateRecord:
    return TemplateRecord(
        code=row.code,
        name=row.name,
        category=row.category,
        version=row.version,
        description=row.description,
        certified=row.certified,
        certified_on=row.certified_on,
        active=row.active,
        document=row.document,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _apply(row: Template, record: TemplateRecord) -> None:
    secrets = document_secrets(record.document)
    if secrets:
        raise InvalidRecord(
            f"template {record.code!r} holds a secret in {describe_findings(secrets)}; a "
            "template names its settings, never a password or token: nothing was saved"
        )
    row.name = clean(record.name)
    row.category = clean(record.category)[:50]
    row.description = clean(record.description)
    row.certified = record.certified
    row.certified_on = record.certified_on
    row.active = record.active
    row.document = clean(record.document)


def _instance(
    row: TemplateInstance,
    code: str,
    version: str,
    mapping_key: str | None,
    pipeline_key: str | None = None,
) -> TemplateInstanceRecord:
    return TemplateInstanceRecord(
        id=row.id,
        template_code=code,
        template_version=version,
        name=row.name,
        mapping_key=mapping_key,
        pipeline_key=pipeline_key,
        customizations=row.customizations,
        status=row.status,
        deployed_at=row.deployed_at,
        deployed_by=row.deployed_by,
    )


class TemplateRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _row(self, session: Session, code: str, version: str | None) -> Template:
        query = select(Template).where(Template.code == code)
        if version is not None:
            query = query.where(Template.version == version)
        row = session.scalar(query.order_by(Template.created_at.desc(), Template.id.desc()))
        if row is None:
            which = f" version {version!r}" if version is not None else ""
            raise NotFound(f"there is no template {code!r}{which} in {self._store.location}")
        return row

    def create(self, record: TemplateRecord) -> TemplateRecord:
        check_key(record.code, "template")
        with self._store.session(write=True) as session:
            taken = select(Template.id).where(
                Template.code == record.code, Template.version == record.version
            )
            if session.scalar(taken) is not None:
                raise Conflict(
                    f"template {record.code!r} version {record.version!r} already exists; "
                    "give the new one another version"
                )
            row = Template(code=record.code, version=record.version[:50])
            _apply(row, record)
            session.add(row)
            session.flush()
            return _record(row)

    def update(self, record: TemplateRecord) -> TemplateRecord:
        with self._store.session(write=True) as session:
            row = self._row(session, record.code, record.version)
            _apply(row, record)
            session.flush()
            return _record(row)

    def get(self, code: str, version: str | None = None) -> TemplateRecord:
        """A template version; without `version`, the most recently created one."""
        with self._store.session() as session:
            return _record(self._row(session, code, version))

    def list_templates(
        self,
        *,
        category: str | None = None,
        search: str | None = None,
        certified_only: bool = False,
        include_inactive: bool = False,
    ) -> list[TemplateRecord]:
        query = select(Template)
        if category is not None:
            query = query.where(Template.category == category)
        if certified_only:
            query = query.where(Template.certified.is_(True))
        if not include_inactive:
            query = query.where(Template.active.is_(True))
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                func.lower(Template.code).like(pattern) | func.lower(Template.name).like(pattern)
            )
        query = query.order_by(Template.code, Template.created_at.desc(), Template.id.desc())
        with self._store.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def delete(self, code: str, version: str | None = None) -> int:
        """Delete one version, or every version when `version` is None; returns how many."""
        with self._store.session(write=True) as session:
            query = select(Template).where(Template.code == code)
            if version is not None:
                query = query.where(Template.version == version)
            rows = session.scalars(query).all()
            if not rows:
                raise NotFound(f"there is no template {code!r} in {self._store.location}")
            for row in rows:
                session.delete(row)
            return len(rows)

    # -- instances --------------------------------------------------------------------------

    def add_instance(self, record: TemplateInstanceRecord) -> TemplateInstanceRecord:
        """Record that a mapping, or a pipeline, was made from a template version."""
        if record.mapping_key is not None and record.pipeline_key is not None:
            raise InvalidRecord(
                f"a template instance names a mapping or a pipeline, not both "
                f"({record.mapping_key!r} and {record.pipeline_key!r})"
            )
        with self._store.session(write=True) as session:
            template = self._row(session, record.template_code, record.template_version)
            mapping_id = pipeline_id = None
            if record.mapping_key is not None:
                mapping_id = session.scalar(
                    select(Mapping.id).where(Mapping.key == record.mapping_key)
                )
                if mapping_id is None:
                    raise NotFound(f"there is no mapping {record.mapping_key!r} in the store")
            if record.pipeline_key is not None:
                pipeline_id = session.scalar(
                    select(Pipeline.id).where(Pipeline.key == record.pipeline_key)
                )
                if pipeline_id is None:
                    raise NotFound(f"there is no pipeline {record.pipeline_key!r} in the store")
            row = TemplateInstance(
                template_id=template.id,
                mapping_id=mapping_id,
                pipeline_id=pipeline_id,
                name=clean(record.name),
                customizations=clean(record.customizations),
                status=record.status,
                deployed_at=record.deployed_at,
                deployed_by=record.deployed_by,
            )
            session.add(row)
            session.flush()
            return record.model_copy(update={"id": row.id})

    def instances(self, code: str) -> list[TemplateInstanceRecord]:
        """The instances of template `code`, oldest first: its mappings' and pipelines'."""
        query = (
            select(TemplateInstance, Template.version, Mapping.key, Pipeline.key)
            .join(Template, TemplateInstance.template_id == Template.id)
            .outerjoin(Mapping, TemplateInstance.mapping_id == Mapping.id)
            .outerjoin(Pipeline, TemplateInstance.pipeline_id == Pipeline.id)
            .where(Template.code == code)
            .order_by(TemplateInstance.id)
        )
        with self._store.session() as session:
            return [
                _instance(row, code, version, mapping_key, pipeline_key)
                for row, version, mapping_key, pipeline_key in session.execute(query)
            ]

    def instance_for_pipeline(self, pipeline_key: str) -> TemplateInstanceRecord:
        """The most recent instance record of a pipeline made from a template."""
        query = (
            select(TemplateInstance, Template.code, Template.version)
            .join(Template, TemplateInstance.template_id == Template.id)
            .join(Pipeline, TemplateInstance.pipeline_id == Pipeline.id)
            .where(Pipeline.key == pipeline_key)
            .order_by(TemplateInstance.id.desc())
        )
        with self._store.session() as session:
            found = session.execute(query).first()
            if found is None:
                raise NotFound(f"pipeline {pipeline_key!r} was not made from a template")
            row, code, version = found
            return _instance(row, code, version, None, pipeline_key)

    def instance_for_mapping(self, mapping_key: str) -> TemplateInstanceRecord:
        """The most recent instance record of a mapping made from a template."""
        query = (
            select(TemplateInstance, Template.code, Template.version)
            .join(Template, TemplateInstance.template_id == Template.id)
            .join(Mapping, TemplateInstance.mapping_id == Mapping.id)
            .where(Mapping.key == mapping_key)
            .order_by(TemplateInstance.id.desc())
        )
        with self._store.session() as session:
            found = session.execute(query).first()
            if found is None:
                raise NotFound(f"mapping {mapping_key!r} was not made from a template")
            row, code, version = found
            return _instance(row, code, version, mapping_key)

    def update_instance(self, record: TemplateInstanceRecord) -> TemplateInstanceRecord:
        """Point an instance (by id) at another template version and update its details."""
        if record.id is None:
            raise NotFound("an instance without an id cannot be updated; add it first")
        with self._store.session(write=True) as session:
            row = session.get(TemplateInstance, record.id)
            if row is None:
                raise NotFound(f"there is no template instance {record.id}")
            row.template_id = self._row(session, record.template_code, record.template_version).id
            row.name = clean(record.name)
            row.customizations = clean(record.customizations)
            row.status = record.status
            session.flush()
            return record
