"""Stored pipelines: versions, optimistic locking, history, diff, restore, import rules
(issue 19, item 1), on SQLite and, with FIELDWRIGHT_TEST_PG_URL, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.store import (
    CorruptDatabase,
    InvalidRecord,
    NotFound,
    PipelineRepository,
    Store,
    VersionConflict,
)

KEY = "pipeline_TS_PAY_ACME_20261203"


def document(*steps: dict[str, Any], **changes: Any) -> PipelineDocument:
    data: dict[str, Any] = {
        "fieldwright_pipeline": 1,
        "key": KEY,
        "name": "Pay lines",
        "steps": list(steps)
        or [
            {"name": "busy", "type": "filter", "predicate": "hours > 0"},
            {"name": "order", "type": "sort", "keys": [{"field": "$.week"}]},
        ],
        **changes,
    }
    return PipelineDocument.model_validate(data)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url, user="alice") as opened:
        yield opened


@pytest.fixture
def repo(store: Store) -> PipelineRepository:
    return PipelineRepository(store)


def test_saves_make_versions_with_history_newest_first(repo: PipelineRepository) -> None:
    first = repo.save_pipeline(document(), comment="first")
    assert (first.version, first.step_count, first.saved_by) == (1, 2, "alice")
    second = repo.save_pipeline(document(name="Pay lines v2"), base_version=1, comment="renamed")
    assert second.version == 2
    assert [(v.version, v.comment) for v in repo.history(KEY)] == [(2, "renamed"), (1, "first")]
    loaded = repo.load_pipeline(KEY)
    assert (loaded.name, loaded.version) == ("Pay lines v2", 2)
    assert repo.load_pipeline(KEY, 1).name == "Pay lines"
    [summary] = repo.list_pipelines(search="pay")
    assert (summary.key, summary.latest_version, summary.step_count) == (KEY, 2, 2)
    assert repo.list_pipelines(search="nothing like it") == []


def test_a_stale_base_version_is_refused_naming_who_saved(repo: PipelineRepository) -> None:
    repo.save_pipeline(document())
    repo.save_pipeline(document(name="b"), base_version=1)
    with pytest.raises(VersionConflict) as caught:
        repo.save_pipeline(document(name="c"), base_version=1)
    assert caught.value.latest_version == 2 and "alice" in str(caught.value)
    with pytest.raises(VersionConflict):  # a "new" pipeline whose key exists
        repo.save_pipeline(document())
    assert repo.latest_version(KEY) == 2


def test_diff_names_steps_added_removed_changed_and_gives_the_text(
    repo: PipelineRepository,
) -> None:
    repo.save_pipeline(document())
    repo.save_pipeline(
        document(
            {"name": "order", "type": "sort", "keys": [{"field": "$.week", "descending": True}]},
            {"name": "once", "type": "dedupe", "keys": ["$.emp"]},
            description="sorted newest first",
        ),
        base_version=1,
    )
    diff = repo.diff(KEY, 1)
    assert (diff.old_version, diff.new_version) == (1, 2)
    assert diff.added == ["once"] and diff.removed == ["busy"]
    [change] = diff.changed
    assert change.step == "order" and set(change.changes) == {"keys"}
    assert diff.other_changes == ["description"] and not diff.reordered
    assert any(line.startswith("+") and "descending" in line for line in diff.text)
    assert repo.diff(KEY, 2, 2).is_empty


def test_restore_saves_an_old_version_as_the_newest(repo: PipelineRepository) -> None:
    repo.save_pipeline(document())
    repo.save_pipeline(document(name="changed"), base_version=1)
    restored = repo.restore_version(KEY, 1)
    assert restored.version == 3 and restored.comment == "restored version 1"
    assert repo.load_pipeline(KEY).name == "Pay lines"


def test_import_appends_a_version_and_refuses_unsafe_keys(repo: PipelineRepository) -> None:
    assert repo.import_document(document()).version == 1
    assert repo.import_document(document(name="again")).version == 2
    with pytest.raises(InvalidRecord, match="nothing was imported"):
        repo.import_document(document(key="../escape"))
    assert not repo.exists("../escape")


def test_missing_pipelines_and_versions_are_named(repo: PipelineRepository) -> None:
    with pytest.raises(NotFound, match="no pipeline 'nope'"):
        repo.load_pipeline("nope")
    repo.save_pipeline(document())
    with pytest.raises(NotFound, match=r"has no version 5 \(latest is 1\)"):
        repo.load_pipeline(KEY, 5)
    assert repo.delete_pipeline(KEY) == 1
    assert not repo.exists(KEY)
    with pytest.raises(NotFound):
        repo.history(KEY)


def test_secrets_are_refused(repo: PipelineRepository) -> None:
    leaky = document(
        source={"connector": {"kind": "http", "settings": {"url": "https://x", "password": "pw"}}}
    )
    with pytest.raises(InvalidRecord, match="secret"):
        repo.save_pipeline(leaky)
    assert not repo.exists(KEY)


def test_a_tampered_version_is_reported_corrupt(store: Store, repo: PipelineRepository) -> None:
    repo.save_pipeline(document())
    with store.session(write=True) as session:
        session.execute(text("UPDATE pipeline_versions SET document = document || ' '"))
    with pytest.raises(CorruptDatabase, match="checksum"):
        repo.load_pipeline(KEY)
