"""Stored transformations: versions only on change, optimistic locking, history with
content hashes, step diffs, unique chain names, delete (issue 19, item 5), on SQLite and,
with FIELDWRIGHT_TEST_PG_URL, PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from fieldwright.domain.transformation import TransformationDocument, TransformationType
from fieldwright.store import (
    Conflict,
    CorruptDatabase,
    InvalidRecord,
    NotFound,
    Store,
    TransformationRepository,
    VersionConflict,
)

KEY = "transform_clean_phone"


def document(*steps: dict[str, Any], **changes: Any) -> TransformationDocument:
    data: dict[str, Any] = {
        "fieldwright_transformation": 1,
        "key": KEY,
        "name": "clean_phone",
        "description": "Digits only, then formatted",
        "steps": list(steps) or [{"fn": "trim"}, {"fn": "digits_only"}],
        "tests": [{"name": "spaces", "input": " 555 12 ", "expected": "55512"}],
        **changes,
    }
    return TransformationDocument.model_validate(data)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url, user="alice") as opened:
        yield opened


@pytest.fixture
def repo(store: Store) -> TransformationRepository:
    return TransformationRepository(store)


def test_a_save_makes_a_version_only_when_the_content_changed(
    repo: TransformationRepository,
) -> None:
    first = repo.save_transformation(document(), comment="first")
    assert (first.version, first.step_count, first.saved_by) == (1, 2, "alice")
    again = repo.save_transformation(document(), base_version=1, comment="no change")
    assert again.version == 1 and again.content_sha256 == first.content_sha256
    second = repo.save_transformation(
        document({"fn": "trim"}), base_version=1, comment="one step", by="bob"
    )
    assert (second.version, second.saved_by, second.step_count) == (2, "bob", 1)
    history = repo.history(KEY)
    assert [(v.version, v.comment, v.saved_by) for v in history] == [
        (2, "one step", "bob"),
        (1, "first", "alice"),
    ]
    assert history[0].content_sha256 != history[1].content_sha256
    loaded = repo.load_transformation(KEY)
    assert (loaded.version, [s.fn for s in loaded.steps]) == (2, ["trim"])
    assert [s.fn for s in repo.load_transformation(KEY, 1).steps] == ["trim", "digits_only"]


def test_list_searches_key_name_and_description(repo: TransformationRepository) -> None:
    repo.save_transformation(document())
    repo.save_transformation(
        document(
            key="transform_upper",
            name="shout",
            description="Upper case",
            type="custom",
            tests=[],
        )
    )
    names = [s.name for s in repo.list_transformations()]
    assert names == ["clean_phone", "shout"]
    [found] = repo.list_transformations(search="UPPER")
    assert (found.key, found.type, found.test_count) == (
        "transform_upper",
        TransformationType.CUSTOM,
        0,
    )
    [phone] = repo.list_transformations(search="digits")
    assert (phone.name, phone.step_count, phone.test_count) == ("clean_phone", 2, 1)
    assert repo.key_of("shout") == "transform_upper" and repo.key_of("nope") is None


def test_a_stale_base_version_is_refused_naming_who_saved(
    repo: TransformationRepository,
) -> None:
    repo.save_transformation(document())
    repo.save_transformation(document(description="b"), base_version=1)
    with pytest.raises(VersionConflict) as caught:
        repo.save_transformation(document(description="c"), base_version=1)
    assert caught.value.latest_version == 2 and "alice" in str(caught.value)
    with pytest.raises(VersionConflict):  # a "new" transformation whose key exists
        repo.save_transformation(document())


def test_a_chain_name_belongs_to_one_transformation(repo: TransformationRepository) -> None:
    repo.save_transformation(document())
    with pytest.raises(Conflict, match="already called 'clean_phone'"):
        repo.save_transformation(document(key="transform_other"))
    assert [s.key for s in repo.list_transformations()] == [KEY]


def test_diff_names_steps_tests_and_other_parts(repo: TransformationRepository) -> None:
    repo.save_transformation(document())
    repo.save_transformation(
        document(
            {"fn": "trim"},
            {"fn": "digits_only"},
            {"fn": "truncate", "args": [10]},
            description="Now truncated",
            tests=[
                {"name": "spaces", "input": " 555 12 ", "expected": "5551"},
                {"name": "empty", "input": "", "expected": ""},
            ],
        ),
        base_version=1,
    )
    diff = repo.diff(KEY, 1)
    assert (diff.old_version, diff.new_version) == (1, 2)
    [added] = diff.steps
    assert (added.change, added.new_index, added.new) == (
        "added",
        2,
        {"fn": "truncate", "args": [10]},
    )
    assert diff.tests_added == ["empty"] and diff.tests_changed == ["spaces"]
    assert diff.other_changes == ["description"]
    assert "step 2 added: truncate(10)" in diff.lines()
    assert any(line.startswith('+      "fn": "truncate"') for line in diff.text)
    # A changed step is one edit, not a remove and an add.
    repo.save_transformation(document({"fn": "upper"}, {"fn": "digits_only"}), base_version=2)
    edits = repo.diff(KEY, 2, 3).steps
    assert [(e.change, e.old_index, e.new_index) for e in edits] == [
        ("changed", 0, 0),
        ("removed", 2, None),
    ]
    assert repo.diff(KEY, 3, 3).is_empty


def test_missing_keys_versions_and_unsafe_imports_are_clear(
    repo: TransformationRepository,
) -> None:
    with pytest.raises(NotFound, match="no transformation 'nope'"):
        repo.load_transformation("nope")
    repo.save_transformation(document())
    with pytest.raises(NotFound, match=r"has no version 7 \(latest is 1\)"):
        repo.load_transformation(KEY, 7)
    with pytest.raises(InvalidRecord, match="nothing was imported"):
        repo.import_document(document(key="../evil", name="evil"))
    with pytest.raises(NotFound, match="no longer exists"):
        repo.save_transformation(document(key="transform_gone", name="gone"), base_version=3)


def test_delete_removes_every_version(repo: TransformationRepository, store: Store) -> None:
    repo.save_transformation(document())
    repo.save_transformation(document({"fn": "upper"}), base_version=1)
    assert repo.delete_transformation(KEY) == 2
    assert not repo.exists(KEY)
    with store.session() as session:
        assert session.scalar(text("SELECT count(*) FROM transformation_versions")) == 0
    with pytest.raises(NotFound):
        repo.delete_transformation(KEY)


def test_a_tampered_version_is_reported_corrupt(
    repo: TransformationRepository, store: Store
) -> None:
    info = repo.save_transformation(document())
    assert info.content_sha256 == hashlib.sha256(repo_text(store).encode("utf-8")).hexdigest()
    with store.session(write=True) as session:
        session.execute(text("UPDATE transformation_versions SET document = '{}'"))
    with pytest.raises(CorruptDatabase, match="does not match its checksum"):
        repo.load_transformation(KEY)


def repo_text(store: Store) -> str:
    with store.session() as session:
        return str(session.scalar(text("SELECT document FROM transformation_versions")))
