"""A pipeline a template made is a template instance (revision 0011): listed with the
template's instances, its customisations are a pipeline diff from what the template
version made, and upgrading re-creates the newer version's pipeline, or refuses, saying
why, when the analyst changed it. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from fieldwright.domain import ConnectorRef
from fieldwright.domain.pipeline import FilterStep, MapStep
from fieldwright.domain.store_models import DeploymentStatus
from fieldwright.resources import resources_dir
from fieldwright.service import InvalidRequest
from fieldwright.service.facade import Service
from fieldwright.store import Store
from fieldwright.store.migrate import run_upgrade

FOLDER = resources_dir() / "templates"
PATH = FOLDER / "qbt_timesheets_to_wfn_paylines.fwtemplate.json"
CODE = "template_QBT_WFNPAY"
DAY = date(2026, 12, 3)
KEY = "pipeline_QBT_WFNPAY_ACME_20261203"


def _import_v2(service: Service, folder: Path, **change: Any) -> dict[str, Any]:
    """The built-in as version 2, its filter's predicate changed (and `change` applied)."""
    data: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    data["version"] = 2
    steps = data["pipeline"]["steps"]
    [where] = [n for n, step in enumerate(steps) if step["type"] == "filter"]
    steps[where]["predicate"] = steps[where]["predicate"] + " && `true`"
    data.update(change)
    employees = FOLDER / "qbt_timesheets_to_wfn_paylines.employees.csv"
    (folder / employees.name).write_bytes(employees.read_bytes())
    path = folder / "v2.fwtemplate.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    service.templates.import_template(path)
    return data


def _filter(service: Service, version: int | None = None) -> FilterStep:
    [step] = [s for s in service.pipelines.open(KEY, version).steps if isinstance(s, FilterStep)]
    return step


def test_the_pipeline_is_recorded_as_an_instance(service: Service) -> None:
    made = service.templates.use(CODE, "acme", today=DAY)
    assert made.pipeline_key == KEY
    instances = service.templates.instances(CODE)
    assert [(i.mapping_key, i.pipeline_key) for i in instances] == [
        ("mapping_QBT_WFNPAY_ACME_20261203_TIMESHEET", None),
        ("mapping_QBT_WFNPAY_ACME_20261203_PAYLINE", None),
        (None, KEY),
    ]
    record = service.templates.pipeline_instance(KEY)
    assert (record.template_code, record.template_version) == (CODE, "1")
    assert record.status is DeploymentStatus.DRAFT
    assert record.customizations == {"client": "ACME"}
    assert service.templates.pipeline_customisations(KEY).is_empty
    with pytest.raises(Exception, match="was not made from a template"):
        service.templates.pipeline_instance("pipeline_QBT_WFNPAY_OTHER_20261203")


def test_connections_chosen_on_use_are_the_pipelines_and_not_a_customisation(
    service: Service, tmp_path: Path
) -> None:
    source = ConnectorRef(kind="sql", settings={"url": "sqlite:///qbt.db", "table": "ts"})
    target = ConnectorRef(kind="csv", settings={"path": str(tmp_path / "paylines.csv")})
    service.templates.use(CODE, "acme", today=DAY, source=source, target=target)
    pipeline = service.pipelines.open(KEY)
    template = service.templates.get(CODE)
    assert template.pipeline is not None
    assert pipeline.source.connector == source and pipeline.target.connector == target
    assert pipeline.target.fields == template.pipeline.target.fields  # the schema is kept
    assert service.templates.pipeline_customisations(KEY).is_empty
    record = service.templates.pipeline_instance(KEY)
    assert record.customizations["source"] == source.model_dump(mode="json", exclude_none=True)


def test_upgrade_re_creates_the_pipeline_of_the_newer_version(
    service: Service, tmp_path: Path
) -> None:
    target = ConnectorRef(kind="ndjson", settings={"path": str(tmp_path / "out.ndjson")})
    service.templates.use(CODE, "acme", today=DAY, target=target)
    before = _filter(service).predicate
    _import_v2(service, tmp_path)
    info = service.templates.upgrade_pipeline(KEY)
    assert info.version == 2
    assert [v.comment for v in service.pipelines.history(KEY)] == [
        f"upgraded to {CODE} version 2",
        f"from {CODE} version 1",
    ]
    assert _filter(service).predicate == before + " && `true`"
    upgraded = service.pipelines.open(KEY)
    assert upgraded.target.connector == target  # the choice made on use is kept
    assert upgraded.client == "ACME"
    maps = [s.mapping for s in upgraded.steps if isinstance(s, MapStep)]
    assert maps == [
        "mapping_QBT_WFNPAY_ACME_20261203_TIMESHEET",
        "mapping_QBT_WFNPAY_ACME_20261203_PAYLINE",
    ]
    assert service.templates.pipeline_instance(KEY).template_version == "2"
    assert service.templates.pipeline_customisations(KEY).is_empty
    assert service.pipelines.run_tests(KEY).ok
    with pytest.raises(InvalidRequest, match="already on template_QBT_WFNPAY version 2"):
        service.templates.upgrade_pipeline(KEY)


def test_upgrade_refuses_a_pipeline_the_analyst_changed_and_says_so(
    service: Service, tmp_path: Path
) -> None:
    service.templates.use(CODE, "acme", today=DAY)
    changed = service.pipelines.open(KEY)
    step = next(s for s in changed.steps if isinstance(s, FilterStep))
    step.predicate = "seconds > `60`"
    service.pipelines.save(changed, 1)
    diff = service.templates.pipeline_customisations(KEY)
    assert [c.step for c in diff.changed] == [step.name]
    assert list(diff.changed[0].changes) == ["predicate"]
    _import_v2(service, tmp_path)
    with pytest.raises(InvalidRequest) as refused:
        service.templates.upgrade_pipeline(KEY)
    message = str(refused.value)
    assert f"step {step.name!r} changed (predicate)" in message
    assert "would lose those changes, so nothing was saved" in message
    assert [v.version for v in service.pipelines.history(KEY)] == [2, 1]
    assert _filter(service).predicate == "seconds > `60`"
    assert service.templates.pipeline_instance(KEY).template_version == "1"


def test_upgrade_makes_the_mappings_the_newer_pipeline_names(
    service: Service, tmp_path: Path
) -> None:
    service.templates.use(CODE, "acme", today=DAY)
    data: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    mappings = dict(data["mappings"])
    mappings["payline2"] = mappings.pop("payline")  # renamed: a mapping the store lacks
    steps = data["pipeline"]["steps"]
    [last] = [n for n, s in enumerate(steps) if s["type"] == "map" and s["mapping"] == "payline"]
    steps[last]["mapping"] = "payline2"
    _import_v2(service, tmp_path, mappings=mappings, pipeline=data["pipeline"] | {"steps": steps})
    service.templates.upgrade_pipeline(KEY)
    new_key = "mapping_QBT_WFNPAY_ACME_20261203_PAYLINE2"
    assert service.templates.instance(new_key).template_version == "2"
    maps = [s.mapping for s in service.pipelines.open(KEY).steps if isinstance(s, MapStep)]
    assert maps[-1] == new_key
    assert service.pipelines.run_tests(KEY).ok


def test_revision_0011_keeps_the_instances_of_mappings(db_url: str) -> None:
    engine = create_engine(db_url)
    now = "'2026-12-03 07:00:00'"
    with engine.begin() as connection:
        run_upgrade(connection, "0010")
        connection.execute(
            text(
                "INSERT INTO templates (code, name, category, version, description, certified, "
                "active, document, created_at, created_by, updated_at, updated_by) VALUES "
                "('template_A_B', 'a', 'hr', '1', '', true, true, '{}', "
                f"{now}, 'carol', {now}, 'carol')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO template_instances (template_id, name, customizations, status, "
                "created_at, created_by, updated_at, updated_by) VALUES ((SELECT id FROM "
                f"templates), 'old', '{{}}', 'draft', {now}, 'carol', {now}, 'carol')"
            )
        )
    engine.dispose()
    with Store.open(db_url) as store:
        from fieldwright.store.templates import TemplateRepository

        [old] = TemplateRepository(store).instances("template_A_B")
        assert (old.name, old.mapping_key, old.pipeline_key) == ("old", None, None)


def test_deleting_the_pipeline_keeps_the_instance_without_it(service: Service) -> None:
    """The instance row outlives its pipeline (its template version and customisations
    are history), as a mapping's does; it no longer names a pipeline."""
    service.templates.use(CODE, "acme", today=DAY)
    service.pipelines.delete(KEY)
    instances = service.templates.instances(CODE)
    assert len(instances) == 3
    assert [i.pipeline_key for i in instances] == [None, None, None]
    with pytest.raises(Exception, match="was not made from a template"):
        service.templates.pipeline_instance(KEY)
