"""Mapping → Source endpoint… / Target endpoint…: where one side's records come from or go to.

A file (CSV with encoding, delimiter and header; NDJSON; JSON with a records path;
Excel with a sheet — the rows shown are the settings the chosen format takes, as
`endpoint_setting_names` says) or a saved connection of the store. Test reads the
first records of a source into the preview table, or checks that a target can be
written, off the GUI thread. Apply sets the side's connector through one undoable
edit (`SetConnector`), so Undo restores the previous endpoint.

A relative file path is taken from the mapping document's folder; a file chosen
with Browse inside that folder is kept relative, so the document stays portable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.endpoint_edits import SetConnector
from fieldwright.authoring.events import Side
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.service import (
    ConnectionCheck,
    ServiceError,
    check_target,
    endpoint_setting_names,
    file_kind_format,
    preview_endpoint,
)

if TYPE_CHECKING:
    from fieldwright.app.documents.session import DocumentSession
    from fieldwright.service import Service

__all__ = ["EndpointDialog", "edit_endpoint"]

FORMATS = (
    ("From the file's extension", None),
    ("CSV", "csv"),
    ("TSV (tab-separated)", "tsv"),
    ("NDJSON (one JSON record a line)", "ndjson"),
    ("JSON (an array of records)", "json"),
    ("Excel workbook (xlsx)", "xlsx"),
)
#: Formats a source reads but no target writes.
SOURCE_FORMATS = (("Parquet (read only)", "parquet"),)
HEADERS = (("Detect", None), ("The first row names the columns", True), ("No header row", False))
#: The settings the form edits; the rest of a connector's settings are kept as they are.
EDITED = frozenset({"path", "encoding", "delimiter", "header", "records_path", "sheet"})
FILE_FILTER = (
    "Record files (*.csv *.tsv *.tab *.ndjson *.jsonl *.json *.xlsx *.xlsm);;All files (*)"
)
SOURCE_FILE_FILTER = (
    "Record files (*.csv *.tsv *.tab *.ndjson *.jsonl *.json *.xlsx *.xlsm *.parquet);;"
    "All files (*)"
)
PREVIEW_LIMIT = 10


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class EndpointDialog(QDialog):
    """Choose one side's endpoint; after `exec()` is accepted, `chosen` is its connector."""

    #: (ok, message) when a Test ends: the preview or the writability check.
    tested = Signal(bool, str)

    def __init__(
        self,
        side: Side,
        document: MappingDocument,
        base_dir: Path | None,
        service: Service | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("endpoint_dialog")
        self.side, self.base_dir, self.service = side, base_dir, service
        self.role: Any = "source" if side == "source" else "sink"
        self.setWindowTitle(f"{side.title()} endpoint — {document.name}")
        self.ui = Form("endpoint_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)
        child = self.ui.child
        self.path = child(QLineEdit, "endpoint_path")
        self.browse = child(QPushButton, "endpoint_browse")
        self.format = child(QComboBox, "endpoint_format")
        self.header = child(QComboBox, "endpoint_header")
        self.texts = {
            name: child(QLineEdit, f"endpoint_{name}")
            for name in ("encoding", "delimiter", "records_path", "sheet")
        }
        self.use_file = child(QRadioButton, "endpoint_use_file")
        self.use_connection = child(QRadioButton, "endpoint_use_connection")
        self.file_group = child(QGroupBox, "endpoint_file_group")
        self.connection_group = child(QGroupBox, "endpoint_connection_group")
        self.connection = child(QComboBox, "endpoint_connection")
        self.test_button = child(QPushButton, "endpoint_test")
        self.status = child(QLabel, "endpoint_status")
        self.preview = child(QTableWidget, "endpoint_preview")
        self.buttons = child(QDialogButtonBox, "endpoint_buttons")
        apply = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        apply.setText("Apply")
        #: The connector chosen (set when the dialog is accepted).
        self.chosen: ConnectorRef | None = None
        self._kept: dict[str, Any] = {}
        self._fill_choices()
        self._intro(child(QLabel, "endpoint_intro"))
        self._load(getattr(document, side).connector)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._tested)
        self.signals.failed.connect(self._test_failed)
        self.generation = 0
        self.path.textChanged.connect(self._refresh_rows)
        self.format.currentIndexChanged.connect(self._refresh_rows)
        self.use_file.toggled.connect(self._mode_changed)
        self.browse.clicked.connect(self._browse)
        self.test_button.clicked.connect(self.test)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.preview.setVisible(side == "source")
        self.preview.setWordWrap(False)  # long values elide; the tooltip shows them whole
        if side == "target":  # a file written: what a sink does when nothing is said
            layout = self.ui.widget.layout()  # no preview: the spare height goes under Test
            assert isinstance(layout, QVBoxLayout)  # as the form lays it out
            layout.insertStretch(layout.indexOf(self.buttons), 1)
            self.texts["encoding"].setPlaceholderText("UTF-8")
            self.texts["delimiter"].setPlaceholderText(", (\\t for a tab)")
        self._mode_changed()
        self.resize(640, 520 if side == "source" else 380)

    # -- building -------------------------------------------------------------------------

    def _fill_choices(self) -> None:
        for text, data in (*FORMATS, *(SOURCE_FORMATS if self.side == "source" else ())):
            self.format.addItem(text, data)
        for text, value in HEADERS:
            self.header.addItem(text, value)
        names: list[str] = []
        if self.service is not None:
            try:
                names = [record.name for record in self.service.connections.list()]
            except ServiceError as exc:
                self._show(False, f"Cannot list the saved connections: {exc}")
        for name in names:
            self.connection.addItem(name, name)
        self.use_connection.setEnabled(bool(names))
        if not names:
            self.use_connection.setToolTip("No saved connection: add one on the Connections page")

    def _intro(self, label: QLabel) -> None:
        where = f"the mapping's folder ({self.base_dir})" if self.base_dir else "the working folder"
        what = "Where the records come from" if self.side == "source" else "Where records go"
        label.setText(
            f"{what}: a file or a saved connection. A relative file path is taken from {where}. "
            + (
                "Test reads the first records."
                if self.side == "source"
                else "Test checks that it can be written."
            )
        )

    def _load(self, ref: ConnectorRef | None) -> None:
        if ref is None:
            return
        if ref.connection and self.connection.findData(ref.connection) >= 0:
            self.use_connection.setChecked(True)
            self.connection.setCurrentIndex(self.connection.findData(ref.connection))
            return
        settings = dict(ref.settings)
        path = settings.get("path")
        self.path.setText(path if isinstance(path, str) else "")
        kind = file_kind_format(ref.kind)
        if kind is not None and Path(self.path.text()).suffix.lower().lstrip(".") != ref.kind:
            self.format.setCurrentIndex(max(self.format.findData(kind), 0))
        for name, edit in self.texts.items():
            value = settings.get("sheet_name" if name == "sheet" and self.role == "sink" else name)
            edit.setText("\\t" if value == "\t" else str(value) if value is not None else "")
        header = settings.get("header")
        self.header.setCurrentIndex(
            max(self.header.findData(header), 0) if header is not None else 0
        )
        self._kept = {k: v for k, v in settings.items() if k not in EDITED | {"sheet_name"}}

    # -- state ----------------------------------------------------------------------------

    def kind(self) -> str | None:
        """The file format chosen, else the path's extension's; None when neither says."""
        chosen = self.format.currentData()
        if isinstance(chosen, str):
            return chosen
        suffix = Path(self.path.text().strip()).suffix.lower().lstrip(".")
        return file_kind_format(suffix) if suffix else None

    def _rows(self) -> dict[str, tuple[QWidget, ...]]:
        label = self.ui.child
        return {
            name: (label(QLabel, f"endpoint_{name}_label"), widget)
            for name, widget in (*self.texts.items(), ("header", self.header))
        }

    def _refresh_rows(self) -> None:
        kind = self.kind()
        names = set(endpoint_setting_names(kind, self.role)) if kind else set()
        for name, widgets in self._rows().items():
            shown = name in names or (name == "sheet" and "sheet_name" in names)
            for widget in widgets:
                widget.setVisible(shown)

    def _mode_changed(self) -> None:
        file = self.use_file.isChecked()
        self.file_group.setVisible(file)
        self.connection_group.setVisible(not file)
        self._refresh_rows()

    def _browse(self) -> None:
        start = self.path.text().strip() or str(self.base_dir or Path.cwd())
        if self.side == "source":
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Choose the source file", start, SOURCE_FILE_FILTER
            )
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Choose the target file", start, FILE_FILTER
            )
        if chosen:
            path = Path(chosen)
            if self.base_dir is not None and path.is_relative_to(self.base_dir):
                path = path.relative_to(self.base_dir)
            self.path.setText(str(path))

    def connector(self) -> ConnectorRef:
        """The connector the form describes; ValueError says what is missing."""
        if self.use_connection.isChecked():
            name = self.connection.currentData()
            if not isinstance(name, str) or self.service is None:
                raise ValueError("choose a saved connection")
            return self.service.connections.reference(name)
        text = self.path.text().strip()
        if not text:
            raise ValueError(f"type the {self.side} file's path, or choose it with Browse")
        kind = self.kind()
        if kind is None:
            raise ValueError(
                f"cannot tell the format of {text} from its extension: choose the format"
            )
        path = Path(text).expanduser()
        if self.base_dir is None and not path.is_absolute():
            path = Path.cwd() / path  # no document folder to take it from later
        settings: dict[str, Any] = {"path": str(path)}
        if self._kept_fits(kind):  # settings the form does not show, of the same format
            settings.update(self._kept)
        names = set(endpoint_setting_names(kind, self.role))
        for name, edit in self.texts.items():
            key = "sheet_name" if name == "sheet" and "sheet_name" in names else name
            value = edit.text()
            if key in names and value.strip():
                settings[key] = "\t" if value in ("\\t", "tab") else value.strip()
        header = self.header.currentData()
        if "header" in names and isinstance(header, bool):
            settings["header"] = header
        return ConnectorRef(kind=kind, settings=settings)

    def _kept_fits(self, kind: str) -> bool:
        names = set(endpoint_setting_names(kind, self.role))
        return set(self._kept) <= names

    # -- test and apply -------------------------------------------------------------------

    def _show(self, ok: bool, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setProperty("role", "muted" if ok else "error")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def test(self) -> None:
        """Read the first records (a source) or check the target can be written, off the
        GUI thread; `tested` says how it went."""
        try:
            ref = self.connector()
        except (ValueError, ServiceError) as exc:
            self._show(False, str(exc))
            self.tested.emit(False, str(exc))
            return
        base_dir, service = self.base_dir, self.service
        if self.side == "source":
            work: Any = lambda: preview_endpoint(ref, base_dir, limit=PREVIEW_LIMIT)  # noqa: E731
        elif ref.connection and service is not None:
            name = ref.connection
            work = lambda: service.connections.test(name)  # noqa: E731
        else:
            work = lambda: check_target(ref, base_dir)  # noqa: E731
        self.generation += 1
        self._show(True, "Testing…")
        self.pool.start(Task(self.generation, work, self.signals))

    def _tested(self, generation: int, result: object) -> None:
        if generation != self.generation:
            return
        if isinstance(result, list):
            self._fill_preview(result)
            if len(result) == PREVIEW_LIMIT:
                text = f"Read the first {PREVIEW_LIMIT} records."
            else:
                text = f"Read {len(result)} record{'s' if len(result) != 1 else ''}."
            ok = True
        elif isinstance(result, ConnectionCheck):
            ok, text = result.ok, result.message
        else:
            ok, text = True, str(result)
        self._show(ok, text)
        self.tested.emit(ok, text)

    def _test_failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.preview.setRowCount(0)
        self._show(False, message)
        self.tested.emit(False, message)

    def _fill_preview(self, records: list[dict[str, Any]]) -> None:
        columns: list[str] = []
        for record in records:
            columns.extend(name for name in record if name not in columns)
        table = self.preview
        table.clear()
        table.setColumnCount(len(columns))
        table.setRowCount(len(records))
        table.setHorizontalHeaderLabels(columns)
        for row, record in enumerate(records):
            for column, name in enumerate(columns):
                text = _cell(record[name]) if name in record else ""
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        for column in range(len(columns)):
            table.setColumnWidth(column, min(table.columnWidth(column), 220))

    def accept(self) -> None:
        try:
            self.chosen = self.connector()
        except (ValueError, ServiceError) as exc:
            self._show(False, str(exc))
            return
        super().accept()

    def done(self, result: int) -> None:
        self.generation += 1  # a test still running is forgotten
        self.pool.waitForDone()
        super().done(result)


def edit_endpoint(
    session: DocumentSession, side: Side, service: Service | None, parent: QWidget
) -> bool:
    """Open the endpoint dialog for `side`; an accepted change becomes one undoable edit."""
    location = session.location
    base_dir = location.parent if isinstance(location, Path) else None
    dialog = EndpointDialog(side, session.document, base_dir, service, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return False
        if dialog.chosen == getattr(session.document, side).connector:
            return False
        session.push(SetConnector(side, dialog.chosen))
        return True
    finally:
        dialog.deleteLater()
