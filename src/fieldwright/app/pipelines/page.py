"""The Pipelines page: design a pipeline's steps, edit each, see its problems and preview it.

The page composes the palette, the steps tree, the step editor, the problems list
and the per-step preview around one `PipelineSession`. Gestures become edits
(`authoring/pipeline_edits.py`) pushed on the session's undo stack; the tree, the
editor and the problems follow the session's `edited` events. New, Open, Save,
Save as, Save to store and Import file go through the service; the questions they ask (file
names, a stored pipeline, unsaved changes) go through a `PipelineAsker` that tests
replace.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.pipelines.palette import StepPalette
from fieldwright.app.pipelines.preview import PipelinePreviewPanel
from fieldwright.app.pipelines.session import PipelineSession
from fieldwright.app.pipelines.step_editor import StepEditor
from fieldwright.app.pipelines.step_tree import StepTree
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.pipeline_edits import (
    AddStep,
    Container,
    MoveStep,
    PipelineEvent,
    RemoveStep,
    ReplaceStep,
    StepAt,
    StepReplaced,
    new_step,
    step_at,
)
from fieldwright.authoring.pipeline_session import (
    PIPELINE_FILE_FILTER,
    StoredPipeline,
    new_pipeline,
    save_pipeline_file,
)
from fieldwright.domain.pipeline import PipelineStep
from fieldwright.service import Service, ServiceError, open_pipeline

__all__ = ["PipelineAsker", "PipelinePage"]


class PipelineAsker:
    """The questions the page asks; tests replace it."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def open_path(self, folder: Path | None) -> Path | None:
        path, _f = QFileDialog.getOpenFileName(
            self.parent, "Open pipeline", str(folder or Path.home()), PIPELINE_FILE_FILTER
        )
        return Path(path) if path else None

    def import_path(self, folder: Path | None) -> Path | None:
        path, _f = QFileDialog.getOpenFileName(
            self.parent, "Import pipeline file", str(folder or Path.home()), PIPELINE_FILE_FILTER
        )
        return Path(path) if path else None

    def save_path(self, suggested: Path) -> Path | None:
        path, _f = QFileDialog.getSaveFileName(
            self.parent, "Save pipeline", str(suggested), PIPELINE_FILE_FILTER
        )
        return Path(path) if path else None

    def stored_key(self, keys: list[str]) -> str | None:
        if not keys:
            QMessageBox.information(self.parent, "Open stored pipeline", "The store has none.")
            return None
        key, ok = QInputDialog.getItem(
            self.parent, "Open stored pipeline", "Pipeline", keys, 0, False
        )
        return key if ok else None

    def discard_changes(self, name: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Unsaved pipeline",
            f"{name} has unsaved changes. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard


class PipelinePage(QWidget):
    """The Pipeline Designer."""

    message = Signal(str)
    #: A map step's mapping to open in the Mapping Designer: (a stored mapping's key, True)
    #: or (a mapping file's path, made absolute from the pipeline file's folder, False).
    openMapping = Signal(str, bool)

    def __init__(
        self,
        session: PipelineSession,
        service: Service | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline_page")
        self.session = session
        self.service = service
        self.asker = PipelineAsker(self)
        #: The store version a file's pipeline was last saved as (the next save's base).
        self.stored: StoredPipeline | None = None
        self.form = Form("pipeline_page.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form.widget)
        self._bind()
        self._connect()
        self._redraw(select=None)
        self._describe()

    def _bind(self) -> None:
        child = self.form.child
        self.buttons = {
            name: child(QToolButton, name)
            for name in (
                "new_pipeline",
                "open_pipeline",
                "open_stored_pipeline",
                "import_pipeline",
                "save_pipeline",
                "save_pipeline_as",
                "store_pipeline",
                "undo_pipeline",
                "redo_pipeline",
            )
        }
        store = self.service is not None
        self.buttons["open_stored_pipeline"].setVisible(store)
        self.buttons["store_pipeline"].setVisible(store)
        self.buttons["import_pipeline"].setVisible(store)
        self.title = child(QLabel, "pipeline_title")
        self.splitter = child(QSplitter, "pipeline_splitter")
        self.design_splitter = child(QSplitter, "design_splitter")
        self.step_palette = StepPalette()
        child(QGroupBox, "palette_box").layout().addWidget(self.step_palette)  # type: ignore[union-attr]
        self.tree = StepTree()
        child(QGroupBox, "steps_box").layout().addWidget(self.tree)  # type: ignore[union-attr]
        self.editor = StepEditor()
        if self.service is not None:
            connections = self.service.connections
            service = self.service
            self.editor.list_mappings = lambda: [(m.key, m.name) for m in service.list_mappings()]
            # A branch's SQL target lists them when its route is shown (saved meanwhile too).
            self.editor.list_connections = lambda: [(c.name, c.kind) for c in connections.list()]
            try:
                self.editor.connection_names = sorted(
                    c.name for c in connections.list() if c.kind in ("sql", "http")
                )
            except ServiceError:
                self.editor.connection_names = []  # the store cannot list them: type a name
        child(QGroupBox, "editor_box").layout().addWidget(self.editor)  # type: ignore[union-attr]
        self.problems = child(QListWidget, "problems_list")
        self.preview = PipelinePreviewPanel(self.session, service=self.service)
        if self.service is not None:
            pipelines = self.service.pipelines
            self.preview.compile_stored = pipelines.compile
            # As you type: saved connections looked up, no database opened.
            self.session.state.check_stored = lambda d: pipelines.check(d, probe=False)
        child(QGroupBox, "preview_box").layout().addWidget(self.preview)  # type: ignore[union-attr]
        self.delete_button = child(QToolButton, "delete_step")
        self.design_splitter.setStretchFactor(0, 2)
        self.design_splitter.setStretchFactor(1, 3)
        self.design_splitter.setSizes([420, 620])
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([460, 300])

    def _connect(self) -> None:
        b, session = self.buttons, self.session
        b["new_pipeline"].clicked.connect(self.new)
        b["open_pipeline"].clicked.connect(self.open_dialog)
        b["open_stored_pipeline"].clicked.connect(self.open_stored_dialog)
        b["import_pipeline"].clicked.connect(self.import_dialog)
        b["save_pipeline"].clicked.connect(self.save)
        b["save_pipeline_as"].clicked.connect(self.save_as)
        b["store_pipeline"].clicked.connect(self.save_to_store)
        b["undo_pipeline"].clicked.connect(session.stack.undo)
        b["redo_pipeline"].clicked.connect(session.stack.redo)
        session.stack.canUndoChanged.connect(b["undo_pipeline"].setEnabled)
        session.stack.canRedoChanged.connect(b["redo_pipeline"].setEnabled)
        b["undo_pipeline"].setEnabled(False)
        b["redo_pipeline"].setEnabled(False)
        session.edited.connect(self._edited)
        session.dirtyChanged.connect(lambda _d: self._describe())
        session.locationChanged.connect(self._describe)
        session.editFailed.connect(self.message)
        self.step_palette.chosen.connect(self.add_step)
        self.tree.addRequested.connect(self._add_at)
        self.tree.moveRequested.connect(self._move)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.editor.stepEdited.connect(self._step_edited)
        self.editor.openMapping.connect(self._open_mapping)
        self.delete_button.clicked.connect(self.delete_selected)
        self.problems.itemActivated.connect(self._problem_activated)

    # -- gestures into edits ---------------------------------------------------------------

    def add_step(self, kind: str) -> None:
        """Add a `kind` step after the selected step (or into the selected branch)."""
        container, index = self.tree.insertion_point()
        self._add_at(kind, container, index)

    def _add_at(self, kind: str, container: Container, index: int | None) -> None:
        step = new_step(self.session.document, kind)
        edit = AddStep(step, container, index)
        self.session.push(edit)
        if edit.index is not None:
            self._redraw(select=(*container, edit.index))

    def _move(self, source: StepAt, container: Container, index: int) -> None:
        edit = MoveStep(source, container, index)
        self.session.push(edit)
        if edit.placed:
            self._redraw(select=edit.placed)

    def delete_selected(self) -> None:
        at = self.tree.selected_step()
        if at is None:
            self.message.emit("Select a step to delete it.")
            return
        self.session.push(RemoveStep(at))

    def _step_edited(self, at: StepAt, step: PipelineStep, key: str) -> None:
        label = f"Edit {key.split(':')[0] or 'settings'} of {step.name!r}"
        self.session.push(ReplaceStep(at, step, label, merge_key=key))

    def _open_mapping(self, name: str) -> None:
        stored = False
        if self.service is not None:
            try:
                stored = name in {m.key for m in self.service.list_mappings(name)}
            except ServiceError as exc:
                self.message.emit(str(exc))
                return
        if not stored and not Path(name).is_absolute() and self.session.base is not None:
            name = str(self.session.base / name)
        self.openMapping.emit(name, stored)

    # -- following the document ------------------------------------------------------------

    def _edited(self, events: list[PipelineEvent]) -> None:
        replaced = [e.at for e in events if isinstance(e, StepReplaced)]
        # A replaced step stays selected (undo of an edit made elsewhere selects it).
        self._redraw(select=replaced[0] if replaced else None)

    def _redraw(self, select: StepAt | None) -> None:
        self.tree.show_document(self.session.document, select=select)
        self._sync_editor()
        self._show_problems()

    def _selection_changed(self) -> None:
        self._sync_editor()

    def _sync_editor(self) -> None:
        """Show the selected step in the editor, unless it shows it already (typing)."""
        at = self.tree.selected_step()
        if at is None:
            self.editor.clear_step()
            return
        try:
            step = step_at(self.session.document, at)
        except (IndexError, KeyError):
            self.editor.clear_step()
            return
        if self.editor.at == at and self.editor.step == step:
            return
        self.editor.load(at, step)

    def _show_problems(self) -> None:
        self.problems.clear()
        lookup = self.service.pipelines.connection_lookup() if self.service else None
        problems = self.session.state.problems(lookup)
        for problem in problems:
            text = f"{problem.pointer or '/'}: {problem.message}"
            item = QListWidgetItem(" ".join(text.split()))
            item.setToolTip(text)
            self.problems.addItem(item)
        if not problems:
            self.problems.addItem("No problems: the pipeline compiles.")
        box = self.problems.parentWidget()
        if isinstance(box, QGroupBox):
            box.setTitle(f"Problems ({len(problems)})" if problems else "Problems")

    def _problem_activated(self, item: QListWidgetItem) -> None:
        """Select the step a problem points at (`/steps/2/branches/0/steps/1/…`)."""
        parts = item.text().split(":", 1)[0].strip("/").split("/")
        at: list[int] = []
        n = 0
        while n + 1 < len(parts) and parts[n] == "steps" and parts[n + 1].isdigit():
            at.append(int(parts[n + 1]))
            if n + 3 < len(parts) and parts[n + 2] == "branches" and parts[n + 3].isdigit():
                at.append(int(parts[n + 3]))
                n += 4
            else:
                break
        if at and len(at) % 2 == 1:
            self.tree.show_document(self.session.document, select=tuple(at))

    def problem_texts(self) -> list[str]:
        items = [self.problems.item(n) for n in range(self.problems.count())]
        return [item.text() for item in items if item is not None]

    def _describe(self) -> None:
        location = self.session.location
        where = str(location) if location is not None else "not saved"
        mark = " •" if self.session.dirty else ""
        short = location.name if isinstance(location, Path) else where
        # In the room there is, the name gives way first (down to a few letters),
        # then the location (elided in the middle); the tooltip says where in full.
        tail = f"{mark} — {short}"
        plain, bold = QFontMetrics(self.title.font()), QFont(self.title.font())
        bold.setBold(True)
        strong = QFontMetrics(bold)
        # The title has the page's width (its own row): the page's, as the label's own may not
        # be laid out yet when the page is resized.
        room = max(self.width() - 32, 0)
        name_room = max(room - plain.horizontalAdvance(tail), min(room // 3, 120))
        name = strong.elidedText(self.session.document.name, Qt.TextElideMode.ElideRight, name_room)
        tail = plain.elidedText(
            tail, Qt.TextElideMode.ElideMiddle, max(room - strong.horizontalAdvance(name), 0)
        )
        self.title.setText(f"<b>{html.escape(name)}</b>{html.escape(tail)}")
        self.title.setToolTip(where)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._describe()

    # -- files and the store ---------------------------------------------------------------

    def maybe_discard(self) -> bool:
        """True when there are no unsaved changes, or the analyst lets them go."""
        return not self.session.dirty or self.asker.discard_changes(self.session.document.name)

    def new(self) -> None:
        if self.maybe_discard():
            self.stored = None
            self.session.replace(new_pipeline(), None)
            self.message.emit("New pipeline: add steps from the palette")

    def open_dialog(self) -> None:
        if not self.maybe_discard():
            return
        if (path := self.asker.open_path(self.session.base)) is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> bool:
        try:
            document = open_pipeline(path)
        except ServiceError as exc:
            self.message.emit(str(exc).splitlines()[0])
            QMessageBox.warning(self, "Cannot open pipeline", str(exc))
            return False
        self.stored = None
        self.session.replace(document, path)
        self.message.emit(f"Opened {path}")
        return True

    def open_stored_dialog(self) -> None:
        if self.service is None or not self.maybe_discard():
            return
        try:
            keys = [p.key for p in self.service.pipelines.list_pipelines()]
        except ServiceError as exc:
            self.message.emit(str(exc))
            return
        if (key := self.asker.stored_key(keys)) is not None:
            self.open_stored(key)

    def import_dialog(self) -> None:
        """Import a pipeline file chosen in a dialog into the store, then open it."""
        if self.service is None or not self.maybe_discard():
            return
        if (path := self.asker.import_path(self.session.base)) is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> bool:
        """Store the pipeline file at `path` as `fieldwright import` does (a new pipeline or
        a new version of its key, relative paths made absolute), then open the version
        stored; a file that cannot be imported is a message naming it and its problems."""
        assert self.service is not None
        try:
            info = self.service.pipelines.import_file(path)
        except ServiceError as exc:
            self.message.emit(str(exc).splitlines()[0])
            QMessageBox.warning(self, "Cannot import pipeline", str(exc))
            return False
        if not self.open_stored(info.key):
            return False
        self.message.emit(f"Imported {path.name} as {self.stored} in the store")
        return True

    def open_pipeline(self, key: str) -> bool:
        """Open stored pipeline `key` (the window routes a pipeline made from a template, or
        one chosen elsewhere, here), unless the analyst keeps unsaved changes."""
        return self.service is not None and self.maybe_discard() and self.open_stored(key)

    def open_stored(self, key: str) -> bool:
        assert self.service is not None
        try:
            document = self.service.pipelines.open(key)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return False
        location = StoredPipeline(key, document.version)
        self.stored = location
        self.session.replace(document, location)
        self.message.emit(f"Opened {location} from the store")
        return True

    def save(self) -> bool:
        location = self.session.location
        if isinstance(location, Path):
            return self._write(location)
        if isinstance(location, StoredPipeline):
            return self.save_to_store()
        return self.save_as()

    def save_as(self) -> bool:
        base = self.session.base or Path.home()
        suggested = base / f"{self.session.document.key}.fwpipe.json"
        path = self.asker.save_path(suggested)
        return path is not None and self._write(path)

    def _write(self, path: Path) -> bool:
        try:
            save_pipeline_file(self.session.document, path)
        except ServiceError as exc:
            self.message.emit(str(exc))
            return False
        self.session.mark_saved(path)
        self.message.emit(f"Saved {path}")
        return True

    def save_to_store(self) -> bool:
        """Save a new version in the store (relative paths made absolute from the file's
        folder); a stale base is refused with who saved when."""
        if self.service is None:
            self.message.emit("Saving to the store needs a store")
            return False
        document = self.session.document
        base = self.stored.version if self.stored and self.stored.key == document.key else None
        try:
            info = self.service.pipelines.save(document, base, base_dir=self.session.base)
        except ServiceError as exc:
            self.message.emit(str(exc))
            QMessageBox.warning(self, "Cannot save to the store", str(exc))
            return False
        self.stored = StoredPipeline(info.key, info.version)
        if not isinstance(self.session.location, Path):
            self.session.mark_saved(self.stored)
        self.message.emit(f"Saved {self.stored} to the store")
        return True

    def shutdown(self) -> None:
        self.preview.shutdown()
