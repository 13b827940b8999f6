"""New mapping from a template: the dialog lists the certified library and opens the new mapping."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.app.templates.use_dialog import TemplateDialog
from fieldwright.service import Service


def test_from_template_creates_and_opens_a_client_mapping(
    store_window: MainWindow, service: Service, qtbot: object, tmp_path: object
) -> None:
    dialog = TemplateDialog(service, store_window)
    codes = [t.code for t in dialog.templates]
    assert {"template_QBT_WFN", "template_HS_CRM"} <= set(codes)
    assert "template_QBT_WFNPAY" not in codes  # it makes a pipeline: the Template Library's
    assert all(t.certified for t in dialog.templates)
    assert not dialog.create_button.isEnabled()  # no client code yet
    dialog.table.selectRow(codes.index("template_QBT_WFN"))
    qtbot.keyClicks(dialog.client, "acme")  # type: ignore[attr-defined]
    assert dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert dialog.created_key == f"mapping_QBT_WFN_ACME_{date.today():%Y%m%d}"
    assert store_window.documents.open_stored(dialog.created_key, asked=True)
    document = store_window.session.document
    assert document.key == dialog.created_key
    assert document.tests and document.fields
    assert service.templates.instance(dialog.created_key) is not None
    dialog.deleteLater()


def test_the_welcome_page_offers_templates_only_with_a_store(
    store_window: MainWindow, make_window: object
) -> None:
    assert not store_window.welcome.template_button.isHidden()
    files_only = make_window()  # type: ignore[operator]
    assert files_only.welcome.template_button.isHidden()
