"""The lifecycle of mapping versions in the store: states, sign-offs, audit, settings."""

from __future__ import annotations

import pytest

from fieldwright.domain.approvals import ApprovalRole, LifecycleState
from fieldwright.domain.store_models import DeploymentStatus, TemplateInstanceRecord, TemplateRecord
from fieldwright.store import (
    InvalidRecord,
    LifecycleRepository,
    MappingRepository,
    NotFound,
    Store,
    StoreSettings,
    TemplateRepository,
)
from fieldwright.store.store_settings import STORE_SUBJECT

from .test_mappings import EMPLOYEE_ID, HOURS, KEY, document

ALL = list(ApprovalRole)


def _sign_all(repo: LifecycleRepository, version: int) -> None:
    for role in ALL:
        repo.change("sign_off", KEY, version, role=role, comment=f"ok {role.value}")


def test_a_version_goes_from_draft_to_active_with_its_audit(store: Store) -> None:
    MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
    repo = LifecycleRepository(store)
    assert repo.lifecycle(KEY).state is LifecycleState.DRAFT
    assert repo.lifecycle(KEY).required_roles == ALL
    assert repo.active_version(KEY) is None

    repo.change("submit", KEY, 1, comment="please review")
    [item] = repo.review_queue()
    assert (item.mapping_key, item.version, item.submitted_by) == (KEY, 1, "alice")
    assert item.missing_roles == ALL

    repo.change("sign_off", KEY, 1, role=ApprovalRole.DATA_OWNER, comment="fields are right")
    with pytest.raises(InvalidRecord, match="waiting for technical_review, security_review"):
        repo.change("approve", KEY, 1)
    with pytest.raises(InvalidRecord, match="already signed off as data_owner by alice"):
        repo.change("sign_off", KEY, 1, role=ApprovalRole.DATA_OWNER)
    with pytest.raises(InvalidRecord, match="only a version that is approved can be activated"):
        repo.change("activate", KEY, 1)
    for role in (ApprovalRole.TECHNICAL_REVIEW, ApprovalRole.SECURITY_REVIEW):
        repo.change("sign_off", KEY, 1, role=role)
    repo.change(
        "sign_off",
        KEY,
        1,
        role=ApprovalRole.TESTING_SIGNOFF,
        details={"passed": 3, "failed": 0, "coverage": 1.0},
    )
    approved = repo.change("approve", KEY, 1)
    assert approved.state is LifecycleState.APPROVED and approved.missing_roles == []
    testing = next(s for s in approved.sign_offs if s.role is ApprovalRole.TESTING_SIGNOFF)
    assert testing.details == {"passed": 3, "failed": 0, "coverage": 1.0}
    assert repo.review_queue() == []
    assert repo.change("activate", KEY, 1).state is LifecycleState.ACTIVE
    assert repo.active_version(KEY) == 1

    trail = repo.audit(KEY)
    assert [e.action for e in reversed(trail)] == ["submit"] + ["sign_off"] * 4 + [
        "approve",
        "activate",
    ]
    assert trail[-1].comment == "please review" and trail[-1].actor == "alice"
    assert trail[-2].details == {"role": "data_owner"} and trail[-2].version == 1


def test_activating_a_new_version_retires_the_old_and_a_new_draft_changes_nothing(
    store: Store,
) -> None:
    mappings = MappingRepository(store)
    mappings.save_mapping(document(EMPLOYEE_ID))
    repo = LifecycleRepository(store)
    for version in (1,):
        repo.change("submit", KEY, version)
        _sign_all(repo, version)
        repo.change("approve", KEY, version)
        repo.change("activate", KEY, version)
    # Editing the active mapping saves version 2, a draft: version 1 stays active.
    mappings.save_mapping(document(EMPLOYEE_ID, HOURS), base_version=1)
    assert repo.lifecycle(KEY).state is LifecycleState.DRAFT
    assert repo.active_version(KEY) == 1
    repo.change("submit", KEY, 2)
    _sign_all(repo, 2)
    repo.change("approve", KEY, 2)
    assert repo.active_version(KEY) == 1
    repo.change("activate", KEY, 2)
    assert repo.active_version(KEY) == 2
    assert [v.state for v in repo.versions(KEY)] == [LifecycleState.ACTIVE, LifecycleState.RETIRED]
    assert repo.audit(KEY)[1].comment == "replaced by a newly activated version"
    repo.change("retire", KEY, 2)
    assert repo.active_version(KEY) is None
    with pytest.raises(InvalidRecord, match="is retired: only a version that is draft"):
        repo.change("submit", KEY, 2)


def test_a_rejection_sends_the_version_back_to_draft_without_its_sign_offs(store: Store) -> None:
    MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
    repo = LifecycleRepository(store)
    repo.change("submit", KEY, 1)
    repo.change("sign_off", KEY, 1, role=ApprovalRole.TECHNICAL_REVIEW)
    rejected = repo.change("reject", KEY, 1, comment="hours are missing")
    assert rejected.state is LifecycleState.DRAFT and rejected.sign_offs == []
    assert repo.audit(KEY)[0].comment == "hours are missing"
    with pytest.raises(InvalidRecord, match="only a version that is in review can be signed"):
        repo.change("sign_off", KEY, 1, role=ApprovalRole.DATA_OWNER)


def test_the_roles_come_from_the_template_the_mapping_was_made_from(store: Store) -> None:
    MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
    templates = TemplateRepository(store)
    approval = {
        "required_roles": ["testing_signoff", "technical_review"],
        "coverage_threshold": 0.5,
    }
    templates.create(
        TemplateRecord(
            code="template_QBT_WFN",
            name="QBT → WFN",
            category="hr",
            document={"approval": approval},
        )
    )
    templates.add_instance(
        TemplateInstanceRecord(
            template_code="template_QBT_WFN",
            template_version="1",
            name="ACME",
            mapping_key=KEY,
            status=DeploymentStatus.TESTING,
        )
    )
    repo = LifecycleRepository(store)
    lifecycle = repo.change("submit", KEY, 1)
    assert lifecycle.required_roles == [ApprovalRole.TECHNICAL_REVIEW, ApprovalRole.TESTING_SIGNOFF]
    assert lifecycle.coverage_threshold == 0.5
    with pytest.raises(InvalidRecord, match="does not need a data_owner sign-off"):
        repo.change("sign_off", KEY, 1, role=ApprovalRole.DATA_OWNER)
    repo.change("sign_off", KEY, 1, role=ApprovalRole.TECHNICAL_REVIEW)
    repo.change("sign_off", KEY, 1, role=ApprovalRole.TESTING_SIGNOFF)
    assert repo.change("approve", KEY, 1).state is LifecycleState.APPROVED


def test_the_review_queue_of_a_user_leaves_out_what_they_signed(store: Store, db_url: str) -> None:
    MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
    repo = LifecycleRepository(store)
    repo.change("submit", KEY, 1)
    repo.change("sign_off", KEY, 1, role=ApprovalRole.DATA_OWNER)
    assert repo.review_queue("alice") == []
    [item] = repo.review_queue("bob")
    assert item.signed_roles == [ApprovalRole.DATA_OWNER]


def test_unknown_mappings_and_versions_are_named(store: Store) -> None:
    repo = LifecycleRepository(store)
    with pytest.raises(NotFound, match="no mapping 'mapping_NOPE'"):
        repo.lifecycle("mapping_NOPE")
    MappingRepository(store).save_mapping(document(EMPLOYEE_ID))
    with pytest.raises(NotFound, match="has no version 7 \\(latest is 1\\)"):
        repo.change("submit", KEY, 7)


def test_store_settings_default_and_persist(db_url: str) -> None:
    with Store.open(db_url, user="alice") as store:
        settings = StoreSettings(store)
        assert settings.get("require_approval", False) is False
        settings.set("require_approval", True)
    with Store.open(db_url, user="bob") as store:
        assert StoreSettings(store).get("require_approval", False) is True
        [entry] = LifecycleRepository(store).audit(STORE_SUBJECT)
    assert (entry.action, entry.actor, entry.details) == (
        "setting",
        "alice",
        {"require_approval": True},
    )
