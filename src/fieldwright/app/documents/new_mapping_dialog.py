"""File → New mapping: a guided start in three steps (source, target, names and key).

The source and the target are `SideChooser`s; each is read when the analyst
moves on, so a file that cannot be read is said on its own step. The last step
takes the client and system codes and the name; the business key is proposed
live from them (`mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}`, numbered when taken)
until the analyst edits it. Create mapping leaves the new document in
`document`; Cancel leaves nothing behind.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.documents.new_mapping_side import SideChooser
from fieldwright.app.shell.forms import Form
from fieldwright.authoring.new_mapping import (
    NewMapping,
    available_key,
    propose_key,
    typed_code,
)
from fieldwright.authoring.schema_sources import SOURCE_KINDS, TARGET_KINDS
from fieldwright.domain import MappingDocument

if TYPE_CHECKING:
    from collections.abc import Set

    from fieldwright.service import Service

__all__ = ["NewMappingDialog"]

STEP_TITLES = (
    "Step 1 of 3 · Where do the records come from?",
    "Step 2 of 3 · What should the mapped records look like?",
    "Step 3 of 3 · Codes, name and key",
)


class NewMappingDialog(QDialog):
    """The New mapping guide; after Create mapping, `document` is the new mapping."""

    def __init__(
        self,
        service: Service | None,
        taken: Set[str],
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("new_mapping_dialog")
        self.setWindowTitle("New mapping")
        self.taken = taken
        self.today = today or date.today()
        self.document: MappingDocument | None = None
        #: True once the analyst typed a key of their own: stop proposing.
        self._key_edited = False
        self.ui = Form("new_mapping_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)
        child = self.ui.child
        self.steps = child(QStackedWidget, "steps")
        self.step_title = child(QLabel, "step_title")
        self.source = SideChooser("source", SOURCE_KINDS, service)
        self.target = SideChooser("target", TARGET_KINDS, service)
        _host(child(QWidget, "source_step"), self.source)
        _host(child(QWidget, "target_step"), self.target)
        self.source_system = child(QLineEdit, "source_system")
        self.target_system = child(QLineEdit, "target_system")
        self.client = child(QLineEdit, "client")
        self.name = child(QLineEdit, "mapping_name")
        self.description = child(QLineEdit, "mapping_description")
        self.key = child(QLineEdit, "mapping_key")
        self.problem = child(QLabel, "names_problem")
        self.back_button = child(QPushButton, "back_button")
        self.next_button = child(QPushButton, "next_button")
        self.finish_button = child(QPushButton, "finish_button")
        self.cancel_button = child(QPushButton, "cancel_button")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.finish_button.clicked.connect(self.finish)
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.back_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter means Next or Create mapping, never Cancel
        for side in (self.source, self.target):
            side.readFinished.connect(lambda ok, read=side: self._side_read(read, ok))
            side.busyChanged.connect(self._busy)
        #: The step to show once the side being read is read (None: stay).
        self._advance_to: int | None = None
        for code in (self.source_system, self.target_system, self.client):
            code.textEdited.connect(lambda _t, edit=code: self._code_typed(edit))
        self.key.textEdited.connect(self._key_typed)
        for edit in (self.name, self.key):
            edit.textChanged.connect(self._check)
        self.resize(640, 460)
        self._show_step(0)
        self._propose_key()

    # -- steps ------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self.steps.currentIndex()

    def _show_step(self, step: int) -> None:
        self.steps.setCurrentIndex(step)
        self.step_title.setText(STEP_TITLES[step])
        self.back_button.setEnabled(step > 0)
        last = step == len(STEP_TITLES) - 1
        self.next_button.setVisible(not last)
        self.finish_button.setVisible(last)
        self.next_button.setDefault(not last)
        self.finish_button.setDefault(last)
        if last:
            self._check()
            (self.source_system if not self.source_system.text() else self.name).setFocus()

    def back(self) -> None:
        self._advance_to = None
        if self.step > 0:
            self._show_step(self.step - 1)

    def next(self) -> None:
        """Read the current side (when it changed), then move on; stay when it cannot be read."""
        side = self.source if self.step == 0 else self.target
        if side.is_read:
            self._move_on()
            return
        self._advance_to = self.step + 1
        if not side.reading:
            side.read()

    def _side_read(self, side: SideChooser, ok: bool) -> None:
        current = self.source if self.step == 0 else self.target
        if self._advance_to is None or side is not current:
            return
        self._advance_to = None
        if ok:
            self._move_on()

    def _move_on(self) -> None:
        if self.step == 1:
            self._codes_from_template()
        self._show_step(self.step + 1)

    def _busy(self, busy: bool) -> None:
        # Next stays enabled (and the default button): a second click waits for the same read.
        self.back_button.setEnabled(not busy and self.step > 0)

    def done(self, result: int) -> None:
        """Closing (Create mapping, Cancel, Escape): no read outlives the dialog."""
        self.source.shutdown()
        self.target.shutdown()
        super().done(result)

    def _codes_from_template(self) -> None:
        systems = self.target.template_systems()
        if systems is None:
            return
        for edit, code in zip((self.source_system, self.target_system), systems, strict=True):
            if not edit.text():
                edit.setText(code)
        self._propose_key()

    # -- codes, name and key ---------------------------------------------------------------

    def _code_typed(self, edit: QLineEdit) -> None:
        """Codes are upper case with _ for spaces, as the key holds them."""
        position = edit.cursorPosition()
        edit.setText(typed_code(edit.text()))
        edit.setCursorPosition(min(position, len(edit.text())))
        self._propose_key()

    def _key_typed(self, text: str) -> None:
        self._key_edited = bool(text.strip())
        if not self._key_edited:
            self._propose_key()

    def _propose_key(self) -> None:
        if self._key_edited:
            self._check()
            return
        proposed = propose_key(
            self.source_system.text(), self.target_system.text(), self.client.text(), self.today
        )
        self.key.setText(available_key(proposed, self.taken))

    def plan(self) -> NewMapping:
        """What the guide holds now, as the authoring layer's `NewMapping`."""
        return NewMapping(
            name=self.name.text(),
            key=self.key.text(),
            description=self.description.text(),
            client=self.client.text(),
            source_system=self.source_system.text(),
            target_system=self.target_system.text(),
            source_fields=self.source.fields,
            source_connector=self.source.connector,
            target_fields=self.target.fields,
            target_connector=self.target.connector,
        )

    def problems(self) -> list[str]:
        found = self.plan().problems()
        key = self.key.text().strip()
        if key in self.taken:
            found.append(f"The key {key} is taken by another mapping; change it.")
        return found

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self.finish_button.setEnabled(not problems)

    def finish(self) -> None:
        if self.problems():
            self._check()
            return
        self.document = self.plan().document()
        self.accept()


def _host(page: QWidget, chooser: SideChooser) -> None:
    layout = page.layout()
    assert isinstance(layout, QVBoxLayout)  # as the form lays it out
    layout.addWidget(chooser)
