"""The Mapping Designer: source tree ⇄ mapping lines ⇄ target tree, and the inspector.

Gestures (drops, Del, inspector edits, auto-map) become edits pushed on the
session's undo stack; the designer redraws from the document on `changed`, and
marks problems when the session's `CompiledDocument` publishes the compile of
the change (off the GUI thread).
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from fieldwright.app.designer.inspector import Inspector
from fieldwright.app.designer.mapping_lines import LineState, MappingLine, MappingLines
from fieldwright.app.designer.schema_editor import SchemaEditor
from fieldwright.app.designer.schema_view import SchemaPanel
from fieldwright.app.documents.session import DocumentSession
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.compilation import Compilation
from fieldwright.authoring.edits import Edit, map_fields, remove_mappings
from fieldwright.authoring.item_paths import schema_source
from fieldwright.authoring.suite_status import FieldMark, TestStatus
from fieldwright.domain import MappingDocument, SchemaField

__all__ = ["MappingDesigner"]

_FIELD_POINTER = re.compile(r"^/fields/(\d+)(/.*)?$")


def _problems_by_target(compilation: Compilation) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    document = compilation.document
    for problem in compilation.problems:
        match = _FIELD_POINTER.match(problem.pointer)
        if match and int(match.group(1)) < len(document.fields):
            target = document.fields[int(match.group(1))].target
            found.setdefault(target, []).append(problem.message)
    return found


class MappingDesigner(QWidget):
    """Edits the session's document; `selectionChanged` carries the selected mapping's target.

    Test marks come from the Tests panel's last run (`set_test_status`): mapped
    target fields show tested / untested / failing, and the lines of failing
    fields are red. Until a run reports, no field is marked.
    """

    selectionChanged = Signal(str)
    message = Signal(str)

    def __init__(self, session: DocumentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("designer")
        self.session = session
        self.selected = ""
        self.problems: dict[str, list[str]] = {}
        self.test_status: TestStatus | None = None
        self._schemas: tuple[int, int] = (0, 0)
        self.ui = Form("designer_panel.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        self._bind_trees()
        self._bind_inspector()
        self._connect()
        self._document_replaced()
        session.compiled.use()

    def _bind_trees(self) -> None:
        """The source tree, the mapping lines and the target tree, side by side in the form."""
        self.source = SchemaPanel("source", "SOURCE")
        self.target = SchemaPanel("target", "TARGET")
        self.lines = MappingLines(self.source, self.target)
        trees = self.ui.child(QWidget, "designer_trees").layout()
        assert isinstance(trees, QHBoxLayout)  # as the form lays it out
        trees.addWidget(self.source, 5)
        trees.addWidget(self.lines, 2)
        trees.addWidget(self.target, 5)
        self.source_editor = SchemaEditor(self.session, self.source)
        self.target_editor = SchemaEditor(self.session, self.target)
        # One Insert for both trees: it adds to the one with focus (the target otherwise).
        self.add_field_action = QAction("Add schema field", self)
        self.add_field_action.setObjectName("add_schema_field")
        self.add_field_action.setShortcut(QKeySequence(Qt.Key.Key_Insert))
        self.add_field_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_field_action.triggered.connect(lambda: self.schema_editor().add("field"))
        self.addAction(self.add_field_action)

    def _bind_inspector(self) -> None:
        """The inspector, right of the trees in the form's splitter."""
        self.inspector = Inspector()
        self.inspector.setMinimumWidth(300)
        self.splitter = self.ui.child(QSplitter, "designer_splitter")
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

    def _connect(self) -> None:
        self.target.model.on_drop = self.map_fields
        self.source_editor.message.connect(self.message)
        self.target_editor.message.connect(self.message)
        self.target.fieldSelected.connect(self._target_field_selected)
        self.lines.lineSelected.connect(self.select_mapping)
        self.inspector.editRequested.connect(self.push)
        self.inspector.message.connect(self.message)
        self.session.changed.connect(self.refresh)
        self.session.replaced.connect(self._document_replaced)
        self.session.compiled.published.connect(self._compiled)

    @property
    def document(self) -> MappingDocument:
        return self.session.document

    # -- edits --------------------------------------------------------------------------

    def push(self, edit: Edit | None) -> None:
        self.session.push(edit)

    def map_fields(self, source: str, target: str) -> None:
        """A source field was dropped on a target field."""
        edit = map_fields(self.document, source, target)
        if edit is None:
            self.message.emit(f"{source} already maps to {target}")
            return
        self.push(edit)
        if self.document.field(target) is not None:
            self.select_mapping(target)

    def schema_editor(self) -> SchemaEditor:
        """The editor of the schema tree with focus (the target's when neither has it)."""
        focus = QApplication.focusWidget()
        if focus is not None and self.source.isAncestorOf(focus):
            return self.source_editor
        return self.target_editor

    def delete_selected(self) -> bool:
        """Delete the current field of the schema tree with focus (asking first), else the
        selected mapping."""
        editor = self.schema_editor()
        focus = QApplication.focusWidget()
        if focus is editor.panel.tree and editor.panel.current_path():
            editor.delete()
            return True
        if not self.selected or self.document.field(self.selected) is None:
            return False
        self.push(remove_mappings([self.selected]))
        self.select_mapping("")
        return True

    # -- selection ----------------------------------------------------------------------

    def select_mapping(self, target: str) -> None:
        if target and self.document.field(target) is None:
            target = ""
        self.selected = target
        self.lines.set_selected(target)
        self.inspector.set_mapping(self.document, target, self.problems.get(target, []))
        if target:
            mapping = self.document.field(target)
            if mapping is not None and mapping.sources:
                self.source.select_path(_in_schema(self.document, target, mapping.sources[0]))
            self.target.tree.blockSignals(True)
            self.target.select_path(target)
            self.target.tree.blockSignals(False)
        self.selectionChanged.emit(target)

    def _target_field_selected(self, path: str) -> None:
        if self.document.field(path) is not None:
            self.select_mapping(path)
        elif path:  # nothing maps it: the inspector offers to write its expression
            self.selected = path
            self.lines.set_selected("")
            self.inspector.set_mapping(self.document, path, [])
            self.selectionChanged.emit("")

    # -- refresh from the document ------------------------------------------------------

    def _document_replaced(self) -> None:
        self._schemas = (0, 0)
        self.problems = {}  # the new document's come with its first compile
        self.selected = ""
        self.test_status = None
        self.refresh()

    def set_test_status(self, status: TestStatus | None) -> None:
        """The verdict of the last test run (None: unknown); redraws the marks."""
        self.test_status = status
        self._draw_lines()

    def _schemas_changed(self) -> None:
        doc = self.document
        current = (id(doc.source.fields), id(doc.target.fields))
        if current != self._schemas:
            self._schemas = current
            self.source.set_fields(doc.source.fields)
            self.target.set_fields(doc.target.fields)

    def _compiled(self, compilation: Compilation) -> None:
        self.problems = _problems_by_target(compilation)
        self._draw_lines()
        self.inspector.show_problems(self.problems.get(self.selected, []))

    def refresh(self) -> None:
        self._schemas_changed()
        doc = self.document
        self._draw_lines()
        self.source.model.set_mapped(
            {_in_schema(doc, m.target, s) for m in doc.fields for s in m.sources}
        )
        # An array's items (`$.lines[*]`, bound to a source array) are its row `$.lines`.
        self.target.model.set_mapped({m.target.removesuffix("[*]") for m in doc.fields})
        if self.selected and doc.field(self.selected) is None:
            self.selected = ""
            self.lines.set_selected("")
            self.selectionChanged.emit("")
        self.inspector.set_mapping(doc, self.selected, self.problems.get(self.selected, []))

    def _line_state(self, target: str, active: bool) -> str:
        if not active:
            return LineState.INACTIVE
        if target in self.problems:
            return LineState.ERROR
        if self.test_status is None:
            return LineState.VALID
        mark = self.test_status.mark(target)
        if mark is FieldMark.FAILING:
            return LineState.ERROR
        return LineState.UNTESTED if mark is FieldMark.UNTESTED else LineState.VALID

    def _draw_lines(self) -> None:
        lines: list[MappingLine] = []
        marks: dict[str, str] = {}
        status = self.test_status
        for mapping in self.document.fields:
            state = self._line_state(mapping.target, mapping.active)
            lines.extend(
                MappingLine(_in_schema(self.document, mapping.target, s), mapping.target, state)
                for s in mapping.sources
            )
            if status is not None and mapping.active:
                marks[mapping.target] = status.mark(mapping.target).value
        self.lines.set_lines(lines)
        self.target.model.set_test_marks(marks)

    def schema_fields(self, side: str) -> list[SchemaField]:
        return list(getattr(self.document, side).fields)


def _in_schema(document: MappingDocument, target: str, source: str) -> str:
    """The source tree's row for a source: `@.qty` under `$.lines[*]` bound to `$.items[*]`
    is `$.items[*].qty`, and a bound array `$.items[*]` is the row `$.items`."""
    return schema_source(document, target, source).removesuffix("[*]")
