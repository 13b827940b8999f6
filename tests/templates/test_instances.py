"""Instancing, customisations and upgrades (three-way merge with reported conflicts)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fieldwright.domain import TransformStep
from fieldwright.domain.store_models import DeploymentStatus
from fieldwright.domain.template import dump_template
from fieldwright.service import InvalidRequest, SaveConflict, Service, test_mapping
from tests.templates.conftest import small_template

DAY = date(2025, 7, 24)


def test_instance_gets_the_business_key_the_mappings_and_the_tests(service: Service) -> None:
    document = service.templates.instantiate("template_QBT_WFN", " acme ", today=DAY)
    assert document.key == "mapping_QBT_WFN_ACME_20250724"
    assert document.name.endswith("(ACME)")
    template = service.templates.get("template_QBT_WFN")
    assert [f.target for f in document.fields] == [f.target for f in template.fields]
    assert document.tests == template.tests
    assert all(not s.fn.startswith("@") for f in document.fields for s in f.transforms)
    assert test_mapping(document).ok
    assert service.open_mapping(document.key) == document

    [instance] = service.templates.instances("template_QBT_WFN")
    assert (instance.mapping_key, instance.template_version) == (document.key, "1")
    assert instance.status is DeploymentStatus.DRAFT
    assert service.templates.customisations(document.key).is_empty


def test_client_code_is_checked(service: Service) -> None:
    with pytest.raises(InvalidRequest, match="client code 'a c' must be 2-20 letters or digits"):
        service.templates.instantiate("template_QBT_WFN", "a c", today=DAY)
    service.templates.instantiate("template_QBT_WFN", "acme", today=DAY)
    with pytest.raises(SaveConflict):
        service.templates.instantiate("template_QBT_WFN", "ACME", today=DAY)


def _import(service: Service, tmp_path: Path, version: int, **changes: object) -> None:
    path = tmp_path / f"v{version}.fwtemplate.json"
    path.write_text(dump_template(small_template(version, **changes)), "utf-8")
    service.templates.import_template(path)


def _v2_changes() -> dict[str, object]:
    v2 = small_template(2)
    fields = [f.model_dump(mode="json", exclude_defaults=True) for f in v2.fields]
    fields[0]["transforms"] = [{"fn": "trim"}, {"fn": "upper"}]  # template changes id
    fields[2]["transforms"][0]["args"] = ["status", True]  # and status
    fields.append({"target": "$.source", "constant": "abc"})  # and adds a field
    tests = [t.model_dump(mode="json") for t in v2.tests]
    tests[0]["expected"]["source"] = "abc"
    return {"fields": fields, "tests": tests, "lookups": {"status": {"A": "active", "I": "gone"}}}


def test_upgrade_keeps_customisations_and_reports_conflicts(
    service: Service, tmp_path: Path
) -> None:
    _import(service, tmp_path, 1)
    _import(service, tmp_path, 2, **_v2_changes())
    instance = service.templates.instantiate("template_ABC_XYZ", "acme", version=1, today=DAY)

    custom = instance.model_copy(deep=True)
    name_field = custom.field("$.name")
    assert name_field is not None
    name_field.transforms.append(TransformStep(fn="truncate", args=[20]))  # only the instance
    status_field = custom.field("$.status")
    assert status_field is not None
    status_field.default = "unknown"  # the template changed this field too: a conflict
    info = service.save_mapping(custom, instance.version, comment="client tweaks")

    diff = service.templates.customisations(instance.key)
    assert {c.target for c in diff.changed} == {"$.name", "$.status"}

    plan = service.templates.upgrade(instance.key)
    assert (plan.from_version, plan.to_version) == (1, 2)
    assert {(c.unit, c.action) for c in plan.changes} >= {
        ("fields/$.id", "updated"),
        ("fields/$.source", "added"),
        ("lookups/status", "updated"),
    }
    [conflict] = plan.conflicts
    assert conflict.unit == "fields/$.status"
    assert conflict.instance["default"] == "unknown"
    assert conflict.template["transforms"][0]["args"] == ["status", True]

    with pytest.raises(InvalidRequest, match=r"unresolved conflicts: fields/\$\.status"):
        service.templates.apply_upgrade(plan)
    assert service.open_mapping(instance.key).version == info.version  # nothing saved

    saved = service.templates.apply_upgrade(plan, {"fields/$.status": "instance"})
    upgraded = service.open_mapping(instance.key)
    assert saved.version == upgraded.version == info.version + 1
    assert [s.fn for s in upgraded.fields[0].transforms] == ["trim", "upper"]  # template's
    name_steps = upgraded.field("$.name")
    assert name_steps is not None and name_steps.transforms[-1].fn == "truncate"  # instance's
    status = upgraded.field("$.status")
    assert status is not None and status.default == "unknown"
    assert status.transforms[0].args == ["status"]  # the instance's side was chosen
    assert upgraded.lookups["status"]["I"] == "gone"
    assert upgraded.field("$.source") is not None
    [record] = service.templates.instances("template_ABC_XYZ")
    assert record.template_version == "2"
    with pytest.raises(InvalidRequest, match="nothing newer"):
        service.templates.upgrade(instance.key)


def test_upgrade_conflict_resolved_with_the_template_side(service: Service, tmp_path: Path) -> None:
    _import(service, tmp_path, 1)
    _import(service, tmp_path, 2, **_v2_changes())
    instance = service.templates.instantiate("template_ABC_XYZ", "beta", version=1, today=DAY)
    custom = instance.model_copy(deep=True)
    status_field = custom.field("$.status")
    assert status_field is not None
    status_field.default = "unknown"
    service.save_mapping(custom, instance.version)
    plan = service.templates.upgrade(instance.key, to_version=2)
    service.templates.apply_upgrade(plan, {"fields/$.status": "template"})
    status = service.open_mapping(instance.key).field("$.status")
    assert status is not None and status.default is None and status.transforms[0].args[1] is True
    assert test_mapping(service.open_mapping(instance.key)).ok


def test_a_stale_plan_is_refused(service: Service, tmp_path: Path) -> None:
    _import(service, tmp_path, 1)
    _import(service, tmp_path, 2, **_v2_changes())
    instance = service.templates.instantiate("template_ABC_XYZ", "gamma", version=1, today=DAY)
    plan = service.templates.upgrade(instance.key)
    assert plan.conflicts == []
    service.save_mapping(instance.model_copy(update={"description": "edited"}), instance.version)
    with pytest.raises(SaveConflict):
        service.templates.apply_upgrade(plan)
