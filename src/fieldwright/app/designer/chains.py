"""Named chains in the inspector: "Save chain as…" on a field's transform chain.

The button sits with the step buttons; it opens `SaveChainDialog` (window
modal, not blocking), which names the chain, says at once why a name cannot
be used, and asks whether the field should call the saved chain instead of
its own steps. The edit is `authoring.chains.save_chain`, one undo step. The
palette lists the document's named chains to add to any field
(`function_palette.py`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldwright.authoring.chains import chain_name_problem, describe_chain, save_chain
from fieldwright.authoring.edits import Batch, Edit, SetProperties, edit_mapping
from fieldwright.domain import MappingDocument, TransformStep
from fieldwright.domain.chains import LIBRARY_PREFIX, chain_called
from fieldwright.service import ServiceError, StoredTransformations

__all__ = ["ChainTools", "SaveChainDialog", "chain_html", "describe_step"]

Current = Callable[[], tuple[MappingDocument | None, str]]


def chain_html(name: str, steps: Sequence[TransformStep]) -> str:
    """The palette's description of a named chain."""
    shown = " → ".join(
        LIBRARY_PREFIX + called if (called := chain_called(s)) else s.fn for s in steps
    )
    return (
        f"<h3>{html.escape(LIBRARY_PREFIX + name)} <small>(named chain)</small></h3>"
        f"<p><code>{html.escape(shown or '(no steps)')}</code></p>"
        "<p>Runs these steps in place of the call. Edit the chain in the document's "
        "<code>library</code>; every field calling it follows.</p>"
    )


def describe_step(document: MappingDocument | None, fn: str) -> str | None:
    """The inspector's line for a step calling a named chain, or None for a function step."""
    name = fn.removeprefix(LIBRARY_PREFIX)
    if name == fn or document is None:
        return None
    return f"<b>{html.escape(fn)}</b> named chain: {html.escape(describe_chain(document, name))}"


def library_of(document: MappingDocument | None) -> Mapping[str, Sequence[TransformStep]]:
    return {} if document is None else document.library


class SaveChainDialog(QDialog):
    """Name the chain of the field writing `target`."""

    def __init__(self, document: MappingDocument, target: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("save_chain_dialog")
        self.setWindowTitle("Save chain as")
        self.document, self.target = document, target
        mapping = document.field(target)
        steps = [] if mapping is None else mapping.transforms
        summary = QLabel(
            f"Save the {len(steps)} step(s) of <b>{html.escape(target)}</b> as a named chain "
            "that any field of this mapping can use."
        )
        summary.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setObjectName("chain_name")
        self.name.setPlaceholderText("Chain name, e.g. clean_phone")
        self.use_in_field = QCheckBox(f"Make {target} call the saved chain")
        self.use_in_field.setObjectName("chain_use_in_field")
        self.use_in_field.setChecked(True)
        self.problem = QLabel()
        self.problem.setObjectName("chain_problem")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (summary, self.name, self.use_in_field, self.problem, self.buttons):
            layout.addWidget(widget)
        self.name.textChanged.connect(self._check)
        self._no_steps = not steps
        self.setMinimumWidth(420)
        self._check()

    def _check(self) -> None:
        problem = (
            f"{self.target} has no transform steps to save."
            if self._no_steps
            else chain_name_problem(self.document, self.chosen())
        )
        shown = problem if self.name.text() or self._no_steps else ""
        self.problem.setText(shown or "")
        self.problem.setVisible(bool(shown))
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(problem is None)
        self.adjustSize()  # room for the message's lines, none when it goes

    def chosen(self) -> str:
        return self.name.text().strip()


class ChainTools:
    """The "Save chain as…" button of the inspector and what it does: a row of its own
    at `index` of the chain's `layout` (beside the step buttons it would widen the pane)."""

    def __init__(
        self,
        parent: QWidget,
        layout: QBoxLayout,
        index: int,
        current: Current,
        request: Callable[[Edit], None],
        message: Callable[[str], None],
    ) -> None:
        self.parent, self.current, self.request, self.message = parent, current, request, message
        self.button = QPushButton("Save chain as…")
        self.button.setObjectName("save_chain")
        self.button.setToolTip(
            "Save this field's steps as a named chain (the document's library) to reuse "
            "them in other fields"
        )
        row = QHBoxLayout()
        row.setObjectName("chain_buttons")
        row.addWidget(self.button)
        row.addStretch(1)
        layout.insertLayout(index, row)
        self.button.clicked.connect(self.open_dialog)
        self.dialog: SaveChainDialog | None = None
        self.insert_button = QPushButton("Insert from Transformations…")
        self.insert_button.setObjectName("insert_stored_chain")
        self.insert_button.setToolTip(
            "Copy a stored transformation (and the chains it calls) into this mapping's "
            "library and add a call of it to this field's steps"
        )
        self.publish_button = QPushButton("Publish to Transformations")
        self.publish_button.setObjectName("publish_chain")
        self.publish_button.setToolTip(
            "Store a named chain this field calls as a transformation, to reuse and test it "
            "on the Transformations page"
        )
        # One row each: side by side they would widen the inspector past its pane.
        for offset, (name, button) in enumerate(
            (("insert_chain_row", self.insert_button), ("publish_chain_row", self.publish_button)),
            1,
        ):
            store_row = QHBoxLayout()
            store_row.setObjectName(name)
            store_row.addWidget(button)
            store_row.addStretch(1)
            layout.insertLayout(index + offset, store_row)
        self.insert_button.clicked.connect(self.insert_stored)
        self.publish_button.clicked.connect(self.publish)
        self.store: StoredTransformations | None = None
        self.set_store(None)

    def set_store(self, store: StoredTransformations | None) -> None:
        """The store's transformations (None: no store, the two buttons hidden)."""
        self.store = store
        self.insert_button.setVisible(store is not None)
        self.publish_button.setVisible(store is not None)

    def choose(self, title: str, label: str, items: list[str]) -> str | None:
        """Ask which of `items` (a window-modal list; tests drive it)."""
        dialog = QInputDialog(self.parent)
        dialog.setObjectName("choose_chain")
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setComboBoxItems(items)
        dialog.setComboBoxEditable(False)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted.value:
                return None
            return dialog.textValue()
        finally:
            dialog.deleteLater()

    def insert_stored(self) -> None:
        document, target = self.current()
        store = self.store
        if store is None or document is None:
            return
        mapping = document.field(target)
        if mapping is None:
            return
        try:
            found = store.list_transformations()
        except ServiceError as exc:
            self.message(str(exc))
            return
        if not found:
            self.message(
                "The store has no transformations yet: publish one, or make one on "
                "the Transformations page."
            )
            return
        items = [
            f"{LIBRARY_PREFIX}{item.name}" + (f" — {item.description}" if item.description else "")
            for item in found
        ]
        chosen = self.choose("Insert from Transformations", f"Chain for {target}:", items)
        if chosen is None:
            return
        name = found[items.index(chosen)].name
        try:
            copied = store.use_in_mapping(document, name)
        except ServiceError as exc:
            self.message(str(exc))
            return
        steps = [*mapping.transforms, TransformStep(fn=LIBRARY_PREFIX + name)]
        self.request(
            Batch(
                f"Insert {LIBRARY_PREFIX}{name} into {target}",
                [
                    SetProperties({"library": copied.library}),
                    edit_mapping(document, target, "", transforms=steps),
                ],
            )
        )

    def publish(self) -> None:
        document, target = self.current()
        store = self.store
        if store is None or document is None:
            return
        mapping = document.field(target)
        called = [
            name
            for step in (mapping.transforms if mapping is not None else [])
            if (name := chain_called(step)) is not None and name in document.library
        ]
        names = list(dict.fromkeys(called)) or sorted(document.library)
        if not names:
            self.message("This mapping has no named chains to publish: Save chain as… first.")
            return
        name = names[0]
        if len(names) > 1:
            chosen = self.choose(
                "Publish to Transformations",
                "Chain to store:",
                [LIBRARY_PREFIX + n for n in names],
            )
            if chosen is None:
                return
            name = chosen.removeprefix(LIBRARY_PREFIX)
        try:
            saved = store.publish(document, name)
        except ServiceError as exc:
            self.message(str(exc))
            return
        said = ", ".join(f"{LIBRARY_PREFIX}{info.name} v{info.version}" for info in saved)
        self.message(f"Published to Transformations: {said}.")

    def open_dialog(self) -> SaveChainDialog | None:
        document, target = self.current()
        if document is None or document.field(target) is None:
            return None
        dialog = SaveChainDialog(document, target, self.parent)
        dialog.accepted.connect(lambda: self._save(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _save(self, dialog: SaveChainDialog) -> None:
        try:
            edit = save_chain(
                dialog.document,
                dialog.target,
                dialog.chosen(),
                use_in_field=dialog.use_in_field.isChecked(),
            )
        except (ValueError, KeyError) as exc:
            self.message(str(exc).strip("'\""))
            return
        self.request(edit)
