"""Mappings: versions, optimistic locking, history, diff, restore, queries, import/export."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from fieldwright.domain import (
    FORMAT_VERSION,
    FieldMapping,
    MappingDocument,
    TestCase,
    TransformStep,
    ValidationRules,
    dumps,
)
from fieldwright.store import (
    CorruptDatabase,
    InvalidRecord,
    MappingRepository,
    NotFound,
    Store,
    VersionConflict,
)
from fieldwright.store.models import MappingVersion

KEY = "mapping_QBT_WFN_ACME_20250724"


def document(
    *fields: FieldMapping, key: str = KEY, name: str = "Timesheets to WFN"
) -> MappingDocument:
    return MappingDocument(fieldwright=FORMAT_VERSION, key=key, name=name, fields=list(fields))


EMPLOYEE_ID = FieldMapping(
    target="$.employee.id", sources=["$.user_id"], transforms=[TransformStep(fn="trim")]
)
HOURS = FieldMapping(
    target="$.hours", sources=["$.duration"], transforms=[TransformStep(fn="divide", args=[3600])]
)
COMPANY = FieldMapping(target="$.company", constant="ACME")


def test_every_save_is_a_new_version_numbered_latest_plus_one(store: Store) -> None:
    repo = MappingRepository(store)
    first = repo.save_mapping(document(EMPLOYEE_ID))
    second = repo.save_mapping(document(EMPLOYEE_ID, HOURS), base_version=1, comment="hours")
    assert (first.version, second.version) == (1, 2)
    assert second.saved_by == "alice" and second.comment == "hours"
    assert second.saved_at.tzinfo is not None and second.saved_at.utcoffset().total_seconds() == 0
    latest = repo.load_mapping(KEY)
    assert latest.version == 2 and [f.target for f in latest.fields] == ["$.employee.id", "$.hours"]
    assert repo.load_mapping(KEY, 1).fields == [EMPLOYEE_ID]
    assert repo.load_mapping(KEY, 1).version == 1


def test_stale_save_from_a_second_session_is_refused_and_overwrites_nothing(db_url: str) -> None:
    with (
        Store.open(db_url, user="alice") as alice_store,
        Store.open(db_url, user="bob") as bob_store,
    ):
        alice, bob = MappingRepository(alice_store), MappingRepository(bob_store)
        alice.save_mapping(document(EMPLOYEE_ID))
        # Both editors open version 1; Bob saves first.
        bob.save_mapping(document(EMPLOYEE_ID, HOURS), base_version=1)
        with pytest.raises(VersionConflict) as caught:
            alice.save_mapping(document(EMPLOYEE_ID, COMPANY), base_version=1)
        conflict = caught.value
        assert (
            conflict.saved_by == "bob"
            and conflict.latest_version == 2
            and conflict.base_version == 1
        )
        assert (
            "bob" in str(conflict)
            and "version 2" in str(conflict)
            and "nothing was saved" in str(conflict)
        )
        assert [h.version for h in alice.history(KEY)] == [2, 1]
        assert alice.load_mapping(KEY).fields == [EMPLOYEE_ID, HOURS]
        assert alice.mappings_writing("$.company") == []


def test_creating_a_key_that_exists_is_a_conflict(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID))
    with pytest.raises(VersionConflict, match="already exists"):
        repo.save_mapping(document(HOURS))
    assert repo.load_mapping(KEY).fields == [EMPLOYEE_ID]


def test_saving_a_deleted_mapping_with_a_base_version_is_not_found(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID))
    assert repo.delete_mapping(KEY) == 1
    with pytest.raises(NotFound, match="no longer exists"):
        repo.save_mapping(document(EMPLOYEE_ID), base_version=1)
    with pytest.raises(NotFound):
        repo.load_mapping(KEY)


def test_history_diff_and_restore(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID, COMPANY))
    changed_id = EMPLOYEE_ID.model_copy(
        update={
            "sources": ["$.employee_no"],
            "rules": ValidationRules(regex="^[0-9]+$"),
            "required": True,
        }
    )
    repo.save_mapping(document(changed_id, HOURS, name="Renamed"), base_version=1)
    history = repo.history(KEY)
    assert [(h.version, h.field_count) for h in history] == [(2, 2), (1, 2)]

    diff = repo.diff(KEY, 1, 2)
    assert diff.added == ["$.hours"] and diff.removed == ["$.company"]
    assert len(diff.changed) == 1 and diff.changed[0].target == "$.employee.id"
    assert diff.changed[0].changes == {
        "sources": (["$.user_id"], ["$.employee_no"]),
        "required": (False, True),
        "rules.regex": (None, "^[0-9]+$"),
    }
    assert diff.other_changes == ["name"]
    assert repo.diff(KEY, 2, 2).is_empty

    restored = repo.restore_version(KEY, 1)
    assert restored.version == 3 and restored.comment == "restored version 1"
    back = repo.load_mapping(KEY)
    assert (
        back.version == 3
        and back.fields == [EMPLOYEE_ID, COMPANY]
        and back.name == "Timesheets to WFN"
    )
    assert [h.version for h in repo.history(KEY)] == [3, 2, 1]
    assert repo.load_mapping(KEY, 2).fields[1] == HOURS  # history untouched
    assert repo.mappings_writing("$.company") == [KEY] and repo.mappings_writing("$.hours") == []


def test_restore_with_a_stale_base_version_is_refused(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID))
    repo.save_mapping(document(HOURS), base_version=1)
    with pytest.raises(VersionConflict):
        repo.restore_version(KEY, 1, base_version=1)


def test_queries_across_current_versions(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID, HOURS))
    repo.save_mapping(document(EMPLOYEE_ID, key="mapping_HS_CRM_ACME_20250801"))
    repo.save_mapping(document(COMPANY, key="mapping_IR_SIS_DIST_20250901"))
    assert repo.mappings_writing("$.employee.id") == ["mapping_HS_CRM_ACME_20250801", KEY]
    assert repo.mappings_reading("$.duration") == [KEY]
    assert repo.mappings_reading("$.user") == []
    assert repo.mappings_using_function("trim") == ["mapping_HS_CRM_ACME_20250801", KEY]
    assert repo.mappings_using_function("divide") == [KEY]
    # Only the current version counts.
    repo.save_mapping(document(COMPANY), base_version=1)
    assert repo.mappings_using_function("divide") == []


def test_list_and_search(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID))
    repo.save_mapping(document(HOURS, key="mapping_HS_CRM_ACME_20250801", name="HubSpot contacts"))
    listed = repo.list_mappings()
    assert [m.key for m in listed] == ["mapping_HS_CRM_ACME_20250801", KEY]  # newest first
    assert [m.key for m in repo.list_mappings(search="hubspot")] == ["mapping_HS_CRM_ACME_20250801"]
    assert listed[1].latest_version == 1 and listed[1].created_by == "alice"


def test_import_appends_a_version_and_export_round_trips(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID))
    imported = document(EMPLOYEE_ID, HOURS).model_copy(update={"version": 17})
    info = repo.import_document(imported)
    assert info.version == 2 and info.comment == "imported"
    exported = repo.export_document(KEY)
    assert dumps(exported) == dumps(imported.model_copy(update={"version": 2}))
    assert repo.export_document(KEY, 1).fields == [EMPLOYEE_ID]


def test_text_postgresql_cannot_hold_is_kept_exactly(store: Store) -> None:
    repo = MappingRepository(store)
    doc = document(
        FieldMapping(target="$.a\x00b", constant="nul\x00inside", notes="tab\tand 🙂"),
        name="name with \x00",
    ).model_copy(update={"tests": [TestCase(name="t\x00", input={"\x00": "\x00"}, expected=None)]})
    repo.save_mapping(doc)
    assert dumps(repo.load_mapping(KEY)) == dumps(doc)


def test_bad_keys_are_refused_before_anything_is_written(store: Store) -> None:
    repo = MappingRepository(store)
    with pytest.raises(InvalidRecord, match="control characters"):
        repo.save_mapping(document(key="mapping\nx"))
    with pytest.raises(InvalidRecord, match="longer than 200"):
        repo.save_mapping(document(key="m" * 201))
    assert repo.list_mappings() == []


def test_a_tampered_version_is_reported_as_corrupt(store: Store) -> None:
    repo = MappingRepository(store)
    repo.save_mapping(document(EMPLOYEE_ID))
    with store.session(write=True) as session:
        session.execute(update(MappingVersion).values(document='{"fieldwright": 1}'))
    with pytest.raises(CorruptDatabase, match="checksum"):
        repo.load_mapping(KEY)


def test_missing_things_name_what_is_missing(store: Store) -> None:
    repo = MappingRepository(store)
    with pytest.raises(NotFound, match="no mapping 'nope'"):
        repo.load_mapping("nope")
    repo.save_mapping(document(EMPLOYEE_ID))
    with pytest.raises(NotFound, match="no version 9 \\(latest is 1\\)"):
        repo.load_mapping(KEY, 9)
    with pytest.raises(NotFound):
        repo.history("nope")


def test_concurrent_saves_from_the_same_base_let_exactly_one_win(db_url: str) -> None:
    stores = [Store.open(db_url, user=f"editor{i}") for i in range(4)]
    try:
        MappingRepository(stores[0]).save_mapping(document(EMPLOYEE_ID))
        barrier = threading.Barrier(len(stores))
        outcomes: list[str] = []

        def save(store: Store) -> None:
            barrier.wait(10)
            try:
                MappingRepository(store).save_mapping(document(HOURS), base_version=1)
                outcomes.append("saved")
            except VersionConflict:
                outcomes.append("conflict")

        threads = [threading.Thread(target=save, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["conflict"] * 3 + ["saved"]
        assert [h.version for h in MappingRepository(stores[0]).history(KEY)] == [2, 1]
    finally:
        for store in stores:
            store.close()
