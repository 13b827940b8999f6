"""Mapping → Approvals…, Mapping → Review queue… and the Settings page's approval switch,
driven through their widgets on a window over a real store."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from fieldwright.app.approvals.lifecycle_dialog import ApprovalsDialog
from fieldwright.app.approvals.review_queue import ReviewQueueDialog
from fieldwright.app.approvals.setting import ApprovalSetting
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain import MappingDocument
from fieldwright.domain.approvals import ApprovalRole
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.service import Service

Factory = Callable[..., MainWindow]
KEY = "mapping_PPL_CRM_ACME_20261203"
TIMEOUT = 10_000


def _document(expected_name: str) -> MappingDocument:
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": KEY,
            "name": "People to CRM",
            "source": {"connector": {"kind": "http", "connection": "people_api"}},
            "fields": [
                {"target": "$.id", "sources": ["$.id"]},
                {"target": "$.name", "sources": ["$.name"], "transforms": [{"fn": "upper"}]},
                {"target": "$.ssn", "sources": ["$.ssn"], "transforms": [{"fn": "mask"}]},
            ],
            "tests": [
                {
                    "name": "names are upper-cased",
                    "input": {"id": 1, "name": "ada", "ssn": "123456789"},
                    "expected": {"id": 1, "name": expected_name, "ssn": "*****6789"},
                }
            ],
        }
    )


def _click(qtbot: QtBot, dialog: ApprovalsDialog, name: str, *, ok: bool = True) -> None:
    button = dialog.buttons[name]
    assert button.isEnabled(), f"{name} is disabled"
    signal = dialog.changed if ok else dialog.refused
    with qtbot.waitSignal(signal, timeout=TIMEOUT):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _sign(qtbot: QtBot, dialog: ApprovalsDialog, role: ApprovalRole, *, ok: bool = True) -> None:
    dialog.role.setCurrentIndex(dialog.role.findData(role.value))
    qtbot.keyClicks(dialog.comment, f"checked {role.value}")
    _click(qtbot, dialog, "approvals_sign", ok=ok)


def _approvals(window: MainWindow) -> ApprovalsDialog:
    window.actions_by_name["approvals"].trigger()
    dialog = window.findChild(ApprovalsDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_a_stored_mapping_is_reviewed_signed_approved_and_activated(
    service: Service, store_window: MainWindow, qtbot: QtBot
) -> None:
    service.save_mapping(_document("ADA"), None)
    assert store_window.documents.open_stored(KEY)
    dialog = _approvals(store_window)
    assert dialog.state.text() == "Version 1: draft"
    assert "No version is active" in dialog.enforced.text()
    assert "through connection “people_api”" in dialog.security.text()
    assert "Masked or hashed: $.ssn (mask)" in dialog.security.text()
    assert not dialog.buttons["approvals_approve"].isEnabled()

    qtbot.keyClicks(dialog.comment, "ready for review")
    _click(qtbot, dialog, "approvals_submit")
    assert dialog.state.text() == "Version 1: in review"
    assert "Waiting for: Technical review, Data owner" in dialog.missing.text()
    for role in ApprovalRole:
        _sign(qtbot, dialog, role)
    assert dialog.sign_offs.rowCount() == 4
    testing = dialog.sign_offs.item(3, 3).text()
    assert testing == "checked testing_signoff (tests 1 passed, coverage 100%)"
    _click(qtbot, dialog, "approvals_approve")
    _click(qtbot, dialog, "approvals_activate")
    assert dialog.state.text() == "Version 1: active"
    assert dialog.enforced.text().startswith("Schedules run version 1.")
    assert dialog.audit.rowCount() == 7
    assert dialog.audit.item(6, 2).text() == "submit"
    assert dialog.audit.item(6, 4).text() == "ready for review"
    assert service.approvals.active_version(KEY) == 1
    dialog.close()


def test_a_failing_suite_is_refused_in_the_error_colour(
    service: Service, store_window: MainWindow, qtbot: QtBot
) -> None:
    service.save_mapping(_document("ada"), None)  # the test expects the wrong name
    service.approvals.submit_for_review(KEY)
    assert store_window.documents.open_stored(KEY)
    dialog = _approvals(store_window)
    _sign(qtbot, dialog, ApprovalRole.TESTING_SIGNOFF, ok=False)
    assert dialog.message.property("role") == "error"
    assert "1 of 1 tests fail (names are upper-cased)" in dialog.message.text()
    assert dialog.sign_offs.rowCount() == 0
    qtbot.keyClicks(dialog.comment, "fix the test")
    _click(qtbot, dialog, "approvals_reject")
    assert dialog.state.text() == "Version 1: draft"
    dialog.close()


def test_an_unsaved_mapping_is_asked_to_be_stored_first(store_window: MainWindow) -> None:
    store_window.actions_by_name["approvals"].trigger()
    assert store_window.findChild(ApprovalsDialog) is None
    assert "Save the mapping to the store first" in store_window.statusBar().currentMessage()


def test_the_review_queue_opens_a_version_and_follows_its_sign_offs(
    service: Service, store_window: MainWindow, qtbot: QtBot
) -> None:
    service.save_mapping(_document("ADA"), None)
    service.approvals.submit_for_review(KEY)
    store_window.actions_by_name["review_queue"].trigger()
    queue = store_window.findChild(ReviewQueueDialog)
    assert queue is not None and queue.isVisible()
    assert queue.table.rowCount() == 1
    assert queue.table.item(0, 0).text() == f"People to CRM ({KEY})"
    assert queue.table.item(0, 5).text().startswith("Technical review, Data owner")
    qtbot.mouseClick(queue.open_button, Qt.MouseButton.LeftButton)
    dialog = queue.reviewing
    assert dialog is not None and dialog.state.text() == "Version 1: in review"
    _sign(qtbot, dialog, ApprovalRole.DATA_OWNER)
    assert queue.table.item(0, 4).text() == "Data owner"
    qtbot.mouseClick(queue.mine, Qt.MouseButton.LeftButton)  # alice signed: not hers now
    assert queue.table.rowCount() == 0
    assert queue.message.text() == "Nothing waits for you."
    dialog.close()
    queue.close()


def test_the_settings_page_turns_required_approval_on(
    service: Service, store_window: MainWindow, qtbot: QtBot
) -> None:
    store_window.show_page("Settings")
    setting = store_window.findChild(ApprovalSetting)
    assert setting is not None
    box = setting.findChild(QCheckBox, "require_approval")
    assert box is not None and not box.isChecked()
    note = setting.findChild(QLabel, "require_approval_note")
    assert note is not None and "no approved active version" in note.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert service.approvals.require_approval is True
    assert store_window.statusBar().currentMessage().startswith("Schedules now run only")


def test_the_window_says_on_start_what_waits_for_my_review(
    service: Service, make_window: Factory
) -> None:
    service.save_mapping(_document("ADA"), None)
    service.approvals.submit_for_review(KEY)
    window = make_window(store=StoreDocuments(service))
    assert window.statusBar().currentMessage() == (
        "1 mapping version waits for your review: Mapping → Review queue…"
    )


def test_a_pipeline_versions_security_lists_its_enrich_sources_and_targets(
    service: Service, qtbot: QtBot
) -> None:
    pipeline = PipelineDocument.model_validate(
        {
            "fieldwright_pipeline": 1,
            "key": "pipeline_HR_PAY_ACME_20261203",
            "name": "reviewed",
            "source": {"connector": {"kind": "ndjson", "settings": {"path": "/data/in.ndjson"}}},
            "target": {
                "connector": {
                    "kind": "http",
                    "settings": {"url": "https://pay.example/lines", "auth": {"type": "bearer"}},
                    "credential": {"username": "pay-token"},
                }
            },
            "steps": [
                {
                    "name": "staff",
                    "type": "enrich",
                    "source": {
                        "kind": "sql",
                        "connection": "hr_db",
                        "settings": {"table": "staff"},
                    },
                    "on": {"$.emp": "$.id"},
                },
                {
                    "name": "split",
                    "type": "route",
                    "branches": [
                        {
                            "name": "big",
                            "when": "hours > `40`",
                            "target": {
                                "connector": {
                                    "kind": "http",
                                    "settings": {"url": "https://ops.example/overtime"},
                                }
                            },
                        }
                    ],
                },
            ],
        }
    )
    service.pipelines.save(pipeline, None)
    dialog = ApprovalsDialog(service, pipeline.key)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.state.text() == "Version 1: draft"
    lines = dialog.security.text().splitlines()
    assert lines[lines.index("Enrich sources:") + 1] == (
        "  step “staff”: SQL table staff through connection “hr_db”"
    )
    assert lines[lines.index("Targets:") + 1 :] == [
        "  output: HTTP endpoint (bearer auth) https://pay.example/lines, "
        "secret fieldwright/pay-token in the keyring",
        "  branch “split/big”: HTTP endpoint https://ops.example/overtime",
    ]
    dialog.close()
