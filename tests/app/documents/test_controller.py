"""The document controller on its own: a session, settings, and an asker that answers at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from fieldwright.app.documents.asker import OPEN_A_FILE, UnsavedAnswer
from fieldwright.app.documents.controller import DocumentController
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.settings.app_settings import AppSettings
from fieldwright.authoring.documents import StoredMapping, new_document
from fieldwright.authoring.edits import SetSchema
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain import SchemaField, load
from fieldwright.service import Service
from tests.app.conftest import HUBSPOT


@dataclass
class Answers:
    """An asker with its answers given up front; it records every question."""

    unsaved: UnsavedAnswer = UnsavedAnswer.CANCEL
    to_open: Path | None = None
    to_save: Path | None = None
    stored: str | None = None
    new_key_on_conflict: bool = False
    key: str | None = None
    asked: list[str] = field(default_factory=list)

    def unsaved_changes(self, name: str) -> UnsavedAnswer:
        self.asked.append(f"unsaved {name}")
        return self.unsaved

    def file_to_open(self, title: str) -> Path | None:
        self.asked.append(title)
        return self.to_open

    def file_to_save(self, title: str, suggested: str) -> Path | None:
        self.asked.append(f"{title} {suggested}")
        return self.to_save

    def stored_mapping(self, store: StoreDocuments) -> str | None:
        self.asked.append(f"stored in {store.description}")
        return self.stored

    def template_mapping(self, service: Service) -> str | None:
        self.asked.append("template")
        return None

    def save_under_new_key(self, conflict: str) -> bool:
        self.asked.append(conflict)
        return self.new_key_on_conflict

    def new_key(self, suggested: str) -> str | None:
        self.asked.append(f"key {suggested}")
        return self.key

    def warn(self, title: str, text: str) -> None:
        self.asked.append(f"{title}: {text}")


@pytest.fixture
def session() -> Iterator[DocumentSession]:
    made = DocumentSession(new_document(), None)
    yield made
    made.deleteLater()


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "fieldwright.ini"), QSettings.Format.IniFormat))


def _edit(session: DocumentSession, name: str = "email") -> None:
    session.push(SetSchema("target", [SchemaField(name=name, type="string")]))


def test_open_a_file_says_title_where_and_recent(
    session: DocumentSession, settings: AppSettings, qtbot: QtBot
) -> None:
    controller = DocumentController(session, settings, Answers())
    with (
        qtbot.waitSignal(controller.titleChanged) as title,
        qtbot.waitSignal(controller.whereChanged) as where,
        qtbot.waitSignal(controller.recentChanged) as recent,
        qtbot.waitSignal(controller.documentLoaded),
    ):
        assert controller.open_path(HUBSPOT)
    assert title.args == [f"HubSpot contacts → CRM contacts — {HUBSPOT}[*] — Fieldwright"]
    assert where.args[0] == f"File: {HUBSPOT}"
    assert recent.args == [[HUBSPOT.resolve()], []]
    assert controller.save_state == "Opened"


def test_unsaved_changes_ask_and_cancel_keeps_the_document(
    session: DocumentSession, settings: AppSettings, qtbot: QtBot
) -> None:
    answers = Answers(unsaved=UnsavedAnswer.CANCEL)
    controller = DocumentController(session, settings, answers)
    with qtbot.waitSignal(controller.unsavedChanged) as unsaved:
        _edit(session)
    assert unsaved.args == [True]
    controller.new_mapping()
    assert answers.asked == ["unsaved Untitled mapping"]
    assert [f.name for f in session.document.target.fields] == ["email"]

    answers.unsaved = UnsavedAnswer.DISCARD
    controller.new_mapping()
    assert session.document.target.fields == [] and not session.dirty


def test_save_asks_for_a_file_then_saves_there_without_asking(
    session: DocumentSession, settings: AppSettings, tmp_path: Path, qtbot: QtBot
) -> None:
    target = tmp_path / "mine.fwmap.json"
    answers = Answers(to_save=target)
    controller = DocumentController(session, settings, answers)
    _edit(session)
    with qtbot.waitSignal(controller.saved) as saved:
        assert controller.save()
    assert saved.args == [target]
    assert answers.asked == ["Save mapping mapping_UNTITLED.fwmap.json"]
    assert [f.name for f in load(target).target.fields] == ["email"]
    assert controller.save_state.startswith("Saved ") and not session.dirty
    _edit(session, "phone")
    assert controller.save()
    assert len(answers.asked) == 1, "a file's location is kept"
    assert [f.name for f in load(target).target.fields] == ["phone"]


def test_a_stale_store_save_asks_and_saves_under_a_new_key(
    session: DocumentSession, settings: AppSettings, service: Service, db_url: str
) -> None:
    answers = Answers()
    store = StoreDocuments(service)
    controller = DocumentController(session, settings, answers, store=store)
    _edit(session)
    assert controller.save()
    with Service.open(db_url, user="bob") as other:
        theirs = other.open_mapping("mapping_UNTITLED")
        theirs.name = "Bob's mapping"
        other.save_mapping(theirs, 1)
    _edit(session, "phone")
    assert not controller.save(), "the user cancelled the conflict question"
    assert "not overwritten" in answers.asked[-1] and session.dirty

    answers.new_key_on_conflict, answers.key = True, "mapping_MINE"
    assert controller.save()
    assert answers.asked[-1] == "key mapping_UNTITLED_copy"
    assert session.location == StoredMapping("mapping_MINE", 1)
    assert session.document.key == "mapping_MINE"
    assert service.open_mapping("mapping_UNTITLED").name == "Bob's mapping"
    assert controller.save_state.startswith("Saved version 1 at ")


def test_open_from_the_store_or_a_file_it_offers(
    session: DocumentSession, settings: AppSettings, service: Service
) -> None:
    answers = Answers()
    controller = DocumentController(session, settings, answers, store=StoreDocuments(service))
    assert controller.save()
    session.replace(new_document(), None)

    answers.stored = "mapping_UNTITLED"
    controller.open_dialog()
    assert session.location == StoredMapping("mapping_UNTITLED", 1)
    assert controller.save_state == "Opened version 1"

    answers.stored, answers.to_open = OPEN_A_FILE, HUBSPOT
    controller.open_dialog()
    assert session.location == HUBSPOT
    assert answers.asked[-1] == "Open mapping"


def test_export_writes_a_copy_and_keeps_the_location(
    session: DocumentSession, settings: AppSettings, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.fwmap.json"
    controller = DocumentController(session, settings, Answers(to_save=copy))
    assert controller.open_path(HUBSPOT)
    controller.export_copy()
    assert load(copy).key == session.document.key
    assert session.location == HUBSPOT


def test_a_missing_file_is_a_warning(
    session: DocumentSession, settings: AppSettings, tmp_path: Path
) -> None:
    answers = Answers()
    controller = DocumentController(session, settings, answers)
    assert not controller.open_path(tmp_path / "nowhere.fwmap.json")
    assert answers.asked and answers.asked[0].startswith("Cannot open mapping: ")
    assert session.location is None
