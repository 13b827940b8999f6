"""The template library through the façade: listing, recomputed certification, import, export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fieldwright.domain.template import dump_template, load_template
from fieldwright.service import InvalidDocument, InvalidRequest, NotFound, SaveConflict, Service
from fieldwright.service.templates import Templates
from fieldwright.store import Store
from tests.templates.conftest import small_template


def test_builtins_are_listed_certified_with_counts(service: Service) -> None:
    listed = {summary.code: summary for summary in service.templates.list_templates()}
    assert {"template_QBT_WFN", "template_HS_CRM", "template_SFDC_CRM"} <= set(listed)
    qbt = listed["template_QBT_WFN"]
    assert (qbt.builtin, qbt.certified, qbt.version, qbt.category) == (True, True, 1, "hr")
    assert qbt.mapping_count == 10 and qbt.test_count >= 8


def test_search_by_name_or_system_and_filter_by_category(service: Service) -> None:
    templates = service.templates
    assert [t.code for t in templates.list_templates("salesforce")] == ["template_SFDC_CRM"]
    assert [t.code for t in templates.list_templates("ADP WORKFORCE")] == [
        "template_QBT_WFN",
        "template_QBT_WFNPAY",
    ]
    assert {t.code for t in templates.list_templates(category="compliance")} == {
        "template_AERIES_ATT"
    }
    assert templates.list_templates("no such system") == []


def test_a_tampered_certified_flag_is_not_trusted(db_url: str, tmp_templates: Path) -> None:
    broken = small_template(certified=True, certified_at="2025-01-01")
    broken.tests[0].expected = {"id": "7", "name": "Somebody Else", "status": "active"}
    (tmp_templates / "broken.fwtemplate.json").write_text(dump_template(broken), "utf-8")
    with Store.open(db_url, user="alice") as store:
        templates = Templates(store, builtin_dir=tmp_templates)
        [summary] = templates.list_templates()
        assert summary.certified is False
        verdict = templates.certify(broken)
        assert (verdict.passed, verdict.failed) == (1, 1)
        assert "active person" in verdict.failures[0]
        with pytest.raises(InvalidRequest, match="not usable: active person"):
            templates.instantiate("template_ABC_XYZ", "acme")


def test_certification_is_cached_by_content(service: Service) -> None:
    template = small_template()
    first = service.templates.certify(template)
    assert first.certified
    assert service.templates.certify(small_template()) is first
    changed = small_template(description="another text")
    assert service.templates.certify(changed) is not first


def test_import_refuses_an_unknown_function_naming_its_pointer(
    service: Service, tmp_path: Path
) -> None:
    data = json.loads(dump_template(small_template()))
    data["fields"][2]["transforms"][0]["fn"] = "lookup_strictly"
    data["library"]["person_name"][1]["fn"] = "titel"
    path = tmp_path / "bad.fwtemplate.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InvalidDocument) as caught:
        service.templates.import_template(path)
    pointers = {problem.pointer for problem in caught.value.problems}
    assert pointers == {"/fields/2/transforms/0/fn", "/library/person_name/1/fn"}
    message = str(caught.value)
    assert "bad.fwtemplate.json" in message
    assert "/fields/2/transforms/0/fn: unknown function 'lookup_strictly'" in message
    assert "/library/person_name/1/fn: unknown function 'titel'" in message
    assert service.templates.list_templates("ABC") == []


def test_import_refuses_a_bad_code_and_an_unknown_chain(service: Service, tmp_path: Path) -> None:
    data = json.loads(dump_template(small_template()))
    path = tmp_path / "t.fwtemplate.json"
    path.write_text(json.dumps({**data, "code": "template_abc"}), "utf-8")
    with pytest.raises(InvalidDocument, match="/code: 'template_abc' is not a template code"):
        service.templates.import_template(path)
    data["fields"][1]["transforms"] = [{"fn": "@no_such_chain"}]
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InvalidDocument, match="no library chain 'no_such_chain'") as caught:
        service.templates.import_template(path)
    assert caught.value.problems[0].pointer == "/fields/1/transforms/0/fn"


def test_export_import_round_trip(service: Service, tmp_path: Path) -> None:
    original = tmp_path / "abc.fwtemplate.json"
    original.write_text(dump_template(small_template()), "utf-8")
    imported = service.templates.import_template(original)
    assert (imported.code, imported.version, imported.certified) == ("template_ABC_XYZ", 1, True)
    with pytest.raises(SaveConflict, match="already exists"):
        service.templates.import_template(original)

    exported = service.templates.export_template("template_ABC_XYZ", 1, tmp_path / "out.json")
    again = load_template(exported)
    assert again.certified is True and again.certified_at is not None
    assert again.model_copy(update={"certified": False, "certified_at": None}) == small_template()
    assert exported.read_text("utf-8") == dump_template(again)

    builtin = service.templates.export_template("template_HS_CRM", None, tmp_path / "hs.json")
    assert load_template(builtin).fields == service.templates.get("template_HS_CRM").fields
    with pytest.raises(NotFound, match="no template 'template_NO_SUCH'"):
        service.templates.export_template("template_NO_SUCH", None, tmp_path / "x.json")


def test_save_a_mapping_as_a_template(service: Service) -> None:
    base = service.templates.instantiate("template_HS_CRM", "acme", today=date(2025, 7, 24))
    summary = service.templates.save_as_template(
        base,
        "template_HS_CRMX",
        category="operations",
        source_system="HubSpot",
        target_system="CRM X",
        name="HubSpot → CRM X",
    )
    assert (summary.certified, summary.builtin, summary.test_count) == (True, False, 10)
    assert service.templates.get("template_HS_CRMX").tests == base.tests


def test_an_imported_template_with_a_failing_test_is_stored_but_not_usable(
    service: Service, tmp_path: Path
) -> None:
    failing = small_template(certified=True)
    failing.tests[1].expect_failure = False
    failing.tests[1].expected = {"id": "8", "name": "X", "status": "unknown"}
    path = tmp_path / "failing.fwtemplate.json"
    path.write_text(dump_template(failing), "utf-8")
    summary = service.templates.import_template(path)
    assert (summary.code, summary.certified) == ("template_ABC_XYZ", False)
    [listed] = service.templates.list_templates("ABC people")
    assert listed.certified is False and listed.builtin is False
    with pytest.raises(InvalidRequest, match="unknown status fails: the record failed"):
        service.templates.instantiate("template_ABC_XYZ", "acme", today=date(2025, 7, 24))
