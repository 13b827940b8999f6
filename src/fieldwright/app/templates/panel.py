"""The Template Library page: search and filter the library, read a template, use it,
save the open mapping as one, import and export template files."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.app.templates.dialogs import SaveAsTemplateDialog, UseTemplateDialog
from fieldwright.domain import MappingDocument
from fieldwright.domain.template import TemplateCategory, TemplateDocument
from fieldwright.service import ServiceError

if TYPE_CHECKING:
    from fieldwright.service import Certification, Service, TemplateSummary

__all__ = ["TemplateLibraryModel", "TemplatePanel"]

TEMPLATE_FILTER = "Fieldwright templates (*.fwtemplate.json);;JSON files (*.json);;All files (*)"
# The name already says which systems (the detail pane lists them; the search matches them).
COLUMNS = ("Template", "Category", "Version", "Mappings", "Tests", "Status")


def verdict_color(certified: bool) -> QColor:
    """Green or red that stays readable on the light and the dark theme's background."""
    dark = QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    if certified:
        return QColor("#81c784" if dark else "#2e7d32")
    return QColor("#ef9a9a" if dark else "#c62828")


AnyIndex = QModelIndex | QPersistentModelIndex


def category_label(category: str) -> str:
    """How a category reads in the app: "hr" → "HR", "finance" → "Finance"."""
    return "HR" if category == "hr" else category.capitalize()


class TemplateLibraryModel(QAbstractTableModel):
    """A thin table over the library's `TemplateSummary` list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.templates: list[TemplateSummary] = []

    def set_templates(self, templates: list[TemplateSummary]) -> None:
        self.beginResetModel()
        self.templates = list(templates)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.templates)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        template = self.templates[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(template, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            origin = "built in" if template.builtin else "in this store"
            systems = f"{template.source_system} → {template.target_system}"
            return f"{template.code} v{template.version} ({origin})\n{systems}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == len(COLUMNS) - 1:
            return verdict_color(template.certified)
        return None

    @staticmethod
    def _text(template: TemplateSummary, column: int) -> str:
        texts = (
            template.name,
            category_label(template.category),
            f"v{template.version}",
            str(template.mapping_count),
            str(template.test_count),
            "✔ Certified" if template.certified else "✘ Tests fail",
        )
        return texts[column]


def _field_count(template: TemplateDocument, side: str) -> int:
    endpoint = template.source if side == "source" else template.target
    return sum(1 for _ in endpoint.walk())


def describe(template: TemplateDocument, verdict: Certification, made: str = "") -> str:
    """The detail pane's HTML for one template version and its recomputed certification;
    `made` (HTML: what the template made in the store) follows the certification."""
    e = html.escape
    rows = [
        ("Code", f"{e(template.code)} · version {template.version}"),
        ("Category", e(category_label(template.category.value))),
        ("Systems", f"{e(template.source_system)} → {e(template.target_system)}"),
        (
            "Fields",
            f"{_field_count(template, 'source')} source, {_field_count(template, 'target')} "
            f"target; {len(template.fields)} mappings, {len(template.tests)} tests",
        ),
    ]
    if template.pipeline is not None:
        pipeline = template.pipeline
        chain = " → ".join(f"{e(step.name)} <i>({step.type})</i>" for step in pipeline.steps)
        named = "; ".join(
            f"{e(name)} ({len(m.fields)} fields, {len(m.tests)} tests)"
            for name, m in template.mappings.items()
        )
        rows[-1] = (
            "Fields",
            f"{sum(1 for _ in pipeline.source.walk())} source, "
            f"{sum(1 for _ in pipeline.target.walk())} target; {len(pipeline.tests)} pipeline "
            "tests",
        )
        rows.append(("Pipeline", f"{len(pipeline.steps)} steps: {chain}"))
        rows.append(("Mappings", named or "none (inline)"))
    if template.supported_operations:
        rows.append(("Operations", e(", ".join(template.supported_operations))))
    parts = [f"<h2>{e(template.name)}</h2>"]
    if template.description:
        parts.append(f"<p>{e(template.description)}</p>")
    parts.append("<table cellspacing='0' cellpadding='3'>")
    parts.extend(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    parts.append("</table>")
    if verdict.certified:
        parts.append(
            f"<p style='color:{verdict_color(True).name()}'><b>✔ Certified</b> — all "
            f"{verdict.passed} tests pass on this version.</p>"
        )
    else:
        parts.append(
            f"<p style='color:{verdict_color(False).name()}'><b>✘ Not certified</b> — "
            f"{verdict.passed} passed, {verdict.failed} failed; it cannot be used "
            "until every test passes.</p><ul>"
        )
        parts.extend(f"<li>{e(str(problem))}</li>" for problem in verdict.problems)
        parts.extend(f"<li>{e(failure)}</li>" for failure in verdict.failures)
        if not verdict.problems and not verdict.failures:
            parts.append("<li>the template has no tests</li>")
        parts.append("</ul>")
    if made:
        parts.append(made)
    if template.prerequisites:
        parts.append("<h3>Prerequisites</h3><ul>")
        parts.extend(f"<li>{e(item)}</li>" for item in template.prerequisites)
        parts.append("</ul>")
    if template.documentation.strip():
        parts.append("<h3>Documentation</h3>")
        parts.append(f"<p style='white-space:pre-wrap'>{e(template.documentation.strip())}</p>")
    return "\n".join(parts)


class TemplatePanel(QWidget):
    """The Template Library page. `mappingCreated` carries the key of a new instance,
    `pipelineCreated` the key of the pipeline a template that carries one made."""

    mappingCreated = Signal(str)
    pipelineCreated = Signal(str)
    message = Signal(str)

    def __init__(
        self,
        service: Service,
        current_document: Callable[[], MappingDocument],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("template_panel")
        self.service = service
        self.current_document = current_document
        self.use_dialog: UseTemplateDialog | None = None
        self.save_dialog: SaveAsTemplateDialog | None = None
        self.ui = Form("template_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind()
        self.search.textChanged.connect(self.refresh)
        self.category.currentIndexChanged.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.use_button.clicked.connect(self.use_selected)
        self.save_button.clicked.connect(self.save_current)
        self.import_button.clicked.connect(self.import_file)
        self.export_button.clicked.connect(self.export_selected)
        self.loaded = False  # the list (and its certification runs) loads when first shown

    def _bind(self) -> None:
        """The form's filters, table, detail pane and buttons, by widget name."""
        self.search = self.ui.child(QLineEdit, "template_search")
        self.category = self.ui.child(QComboBox, "template_category_filter")
        self.category.addItem("All categories", None)
        for category in TemplateCategory:
            self.category.addItem(category_label(category.value), category.value)
        self.counts = self.ui.child(QLabel, "template_counts")
        self.model = TemplateLibraryModel(self)
        self.table = self.ui.child(QTableView, "template_table")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.details = self.ui.child(QTextBrowser, "template_details")
        self.use_button = self.ui.child(QPushButton, "use_template")
        self.save_button = self.ui.child(QPushButton, "save_as_template")
        self.import_button = self.ui.child(QPushButton, "import_template")
        self.export_button = self.ui.child(QPushButton, "export_template")
        self.splitter = self.ui.child(QSplitter, "template_splitter")
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

    def showEvent(self, event: QShowEvent) -> None:
        if not self.loaded:
            self.refresh()
        super().showEvent(event)

    # -- the list and the detail pane ----------------------------------------------------

    def refresh(self, *_args: object, select: str | None = None) -> None:
        """Reload the list for the search text and category, keeping (or moving) the selection."""
        self.loaded = True
        keep = select or (chosen.code if (chosen := self.selected()) else None)
        category = self.category.currentData()
        try:
            templates = self.service.templates.list_templates(
                self.search.text() or None, category if isinstance(category, str) else None
            )
        except ServiceError as exc:
            templates = []
            self.message.emit(f"Cannot list the templates: {exc}")
        self.model.set_templates(templates)
        total = len(templates)
        self.counts.setText(f"{total} template{'s' if total != 1 else ''}")
        codes = [t.code for t in templates]
        if templates:
            self.table.selectRow(codes.index(keep) if keep in codes else 0)
        self._show_selected()

    def selected(self) -> TemplateSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.templates[rows[0].row()] if rows else None

    def _show_selected(self, *_args: object) -> None:
        summary = self.selected()
        self.use_button.setEnabled(summary is not None and summary.certified)
        self.use_button.setToolTip(
            "Only a certified template (every test passes) can be used"
            if summary is not None and not summary.certified
            else "A new mapping for a client from the selected template"
        )
        self.export_button.setEnabled(summary is not None)
        if summary is None:
            self.details.setHtml(
                "<p>No template matches. Clear the search or pick another category.</p>"
                if self.search.text() or self.category.currentIndex() > 0
                else "<p>The library is empty. Import a template file to start.</p>"
            )
            return
        try:
            template = self.service.templates.get(summary.code, summary.version)
            verdict = self.service.templates.certify(template)
        except ServiceError as exc:
            reason = html.escape(f"Cannot read {summary.code}: {exc}")
            self.details.setHtml(f"<p>{reason}</p>")
            return
        self.details.setHtml(describe(template, verdict, self._instances_html(summary.code)))

    def _instances_html(self, code: str) -> str:
        """What the template made in this store: its mappings and pipelines, each with the
        template version it is on; a pipeline also says whether the analyst changed it."""
        e = html.escape
        try:
            instances = self.service.templates.instances(code)
        except ServiceError as exc:
            return f"<h3>Made from it</h3><p>{e(f'Cannot list them: {exc}')}</p>"
        if not instances:
            return ""
        items = []
        for record in instances:
            on = f"version {e(record.template_version)}"
            if record.pipeline_key is not None:
                items.append(
                    f"<li>pipeline <b>{e(record.pipeline_key)}</b> · {on} · "
                    f"{e(self._pipeline_state(record.pipeline_key))}</li>"
                )
            elif record.mapping_key is not None:
                items.append(f"<li>mapping {e(record.mapping_key)} · {on}</li>")
            else:
                items.append(f"<li>{e(record.name)} · {on} · deleted from the store</li>")
        return f"<h3>Made from it ({len(items)})</h3><ul>{''.join(items)}</ul>"

    def _pipeline_state(self, key: str) -> str:
        try:
            diff = self.service.templates.pipeline_customisations(key)
        except ServiceError as exc:
            return f"cannot compare it with the template: {exc}"
        if diff.is_empty:
            return "as the template made it"
        changed = [*diff.added, *diff.removed, *(c.step for c in diff.changed)]
        parts = [f"steps {', '.join(changed)}"] if changed else []
        parts += ["steps reordered"] if diff.reordered else []
        parts += diff.other_changes
        return "customised: " + "; ".join(parts) + " (an upgrade is refused until undone)"

    # -- use ------------------------------------------------------------------------------

    def use_selected(self) -> None:
        """Ask the client code; on accept the template becomes a mapping (`mappingCreated`)."""
        summary = self.selected()
        if summary is None or not summary.certified:
            return
        try:
            connections = [record.name for record in self.service.connections.list()]
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot list the saved connections", str(exc))
            connections = []
        dialog = UseTemplateDialog(
            summary.name, connections, self, pipeline_steps=summary.pipeline_steps
        )
        self.use_dialog = dialog
        dialog.accepted.connect(lambda: self._instantiate(summary, dialog))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.open()

    def _instantiate(self, summary: TemplateSummary, dialog: UseTemplateDialog) -> None:
        if summary.pipeline_steps:
            self._use_pipeline(summary, dialog)
            return
        try:
            document = self.service.templates.instantiate(
                summary.code, dialog.client.text(), name=dialog.name.text().strip() or None
            )
            chosen = {side: dialog.chosen_connection(side) for side in ("source", "target")}
            if any(chosen.values()):
                for side, name in chosen.items():
                    if name is not None:
                        endpoint = getattr(document, side)
                        endpoint.connector = self.service.connections.reference(name)
                version = self.service.history(document.key)[0].version
                self.service.save_mapping(document, version)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot create the mapping", str(exc))
            return
        self.message.emit(f"Created {document.key} from {summary.code} v{summary.version}")
        self.mappingCreated.emit(document.key)

    def _use_pipeline(self, summary: TemplateSummary, dialog: UseTemplateDialog) -> None:
        """A template that carries a pipeline: its mappings and pipeline (`pipelineCreated`),
        reading from and writing to the saved connections chosen, if any."""
        try:
            chosen = {side: dialog.chosen_connection(side) for side in ("source", "target")}
            refs = {
                side: self.service.connections.reference(name) if name else None
                for side, name in chosen.items()
            }
            made = self.service.templates.use(
                summary.code,
                dialog.client.text(),
                name=dialog.name.text().strip() or None,
                source=refs["source"],
                target=refs["target"],
            )
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot create the pipeline", str(exc))
            return
        assert made.pipeline_key is not None
        self.message.emit(
            f"Created {made.pipeline_key} and {len(made.mapping_keys)} mappings from "
            f"{summary.code} v{summary.version}"
        )
        self.pipelineCreated.emit(made.pipeline_key)

    def _forget(self, dialog: UseTemplateDialog | SaveAsTemplateDialog) -> None:
        if self.use_dialog is dialog:
            self.use_dialog = None
        if self.save_dialog is dialog:
            self.save_dialog = None
        dialog.deleteLater()

    # -- save, import, export -------------------------------------------------------------

    def save_current(self) -> None:
        document = self.current_document()
        if not document.fields:
            QMessageBox.information(
                self,
                "Nothing to save",
                "The open mapping has no field mappings yet; map some fields first.",
            )
            return
        dialog = SaveAsTemplateDialog(document, self)
        self.save_dialog = dialog
        dialog.accepted.connect(lambda: self._save_template(document, dialog))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.open()

    def _save_template(self, document: MappingDocument, dialog: SaveAsTemplateDialog) -> None:
        try:
            saved = self.service.templates.save_as_template(
                document,
                dialog.code.text().strip(),
                version=dialog.version.value(),
                category=dialog.chosen_category(),
                source_system=dialog.source_system.text().strip(),
                target_system=dialog.target_system.text().strip(),
                name=dialog.name.text().strip(),
            )
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot save the template", str(exc))
            return
        self._stored(saved, "Saved")

    def import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import template", "", TEMPLATE_FILTER)
        if not path:
            return
        try:
            imported = self.service.templates.import_template(path)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot import the template", str(exc))
            return
        self._stored(imported, "Imported")

    def _stored(self, summary: TemplateSummary, verb: str) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.category.blockSignals(True)
        self.category.setCurrentIndex(0)
        self.category.blockSignals(False)
        self.refresh(select=summary.code)
        state = "certified" if summary.certified else "not certified: its tests fail"
        self.message.emit(f"{verb} {summary.code} v{summary.version} ({state})")

    def export_selected(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        suggested = f"{summary.code}.v{summary.version}.fwtemplate.json"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export template", suggested, TEMPLATE_FILTER
        )
        if not path:
            return
        try:
            written = self.service.templates.export_template(summary.code, summary.version, path)
        except ServiceError as exc:
            QMessageBox.warning(self, "Cannot export the template", str(exc))
            return
        self.message.emit(f"Exported {summary.code} v{summary.version} to {Path(written)}")
