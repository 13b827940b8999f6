"""A searchable palette of the function library: each function's signature, doc and examples."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.designer.chains import chain_html
from fieldwright.domain import TransformStep
from fieldwright.domain.chains import LIBRARY_PREFIX
from fieldwright.service import function_library

__all__ = ["FunctionPalette", "describe_function"]


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def describe_function(name: str, *, brief: bool = False) -> str:
    """HTML reference of one function: signature, doc, parameters, examples (or the first two)."""
    spec = next((s for s in function_library() if s.name == name), None)
    if spec is None:
        return f"<p>Unknown function <b>{html.escape(name)}</b>.</p>"
    parts = [
        f"<h3>{html.escape(spec.name)} <small>({html.escape(spec.category.value)})</small></h3>",
        f"<p><code>{html.escape(spec.signature())}</code></p>",
        f"<p>{html.escape(spec.summary)}</p>",
    ]
    if brief:
        return "".join(parts)
    if spec.doc and spec.doc != spec.summary:
        parts.append(f"<p>{html.escape(spec.doc)}</p>")
    parts.append(
        f"<p><b>Null:</b> {html.escape(spec.nulls.value)}. {html.escape(spec.nulls.describe())}</p>"
    )
    if spec.params:
        rows = "".join(
            f"<li><b>{html.escape(p.name)}</b> ({html.escape(p.type.value)}): "
            f"{html.escape(p.doc)}</li>"
            for p in spec.params
        )
        parts.append(f"<p><b>Arguments</b></p><ul>{rows}</ul>")
    if spec.examples:
        rows = "".join(
            "<li><code>"
            + html.escape(
                f"{spec.name}({', '.join(_json(v) for v in (example.value, *example.args))})"
                f" → {_json(example.output)}"
            )
            + "</code></li>"
            for example in spec.examples[:4]
        )
        parts.append(f"<p><b>Examples</b></p><ul>{rows}</ul>")
    return "".join(parts)


class FunctionPalette(QDialog):
    """Pick a function or one of the document's named `chains` (listed first), or browse
    the reference, with `choose=False`."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        choose: bool = True,
        chains: Mapping[str, Sequence[TransformStep]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.chains = dict(chains or {})
        self.setObjectName("function_palette")
        self.setWindowTitle("Add transform step" if choose else "Function reference")
        self.resize(760, 480)
        self.search = QLineEdit()
        self.search.setObjectName("function_search")
        self.search.setPlaceholderText("Search functions by name, category or description…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("function_list")
        # Long summaries end in … (the description pane shows them whole): no sideways scrolling.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.doc = QTextBrowser()
        self.doc.setObjectName("function_doc")
        for name, steps in sorted(self.chains.items()):
            call = LIBRARY_PREFIX + name
            item = QListWidgetItem(f"{call}  —  named chain of {len(steps)} step(s)")
            item.setData(Qt.ItemDataRole.UserRole, call)
            item.setData(Qt.ItemDataRole.UserRole + 1, f"{call} {name} named chain".lower())
            item.setToolTip(f"Named chain {call}: runs its steps in place of the call")
            self.list.addItem(item)
        for spec in function_library():
            item = QListWidgetItem(f"{spec.name}  —  {spec.summary}")
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            item.setData(
                Qt.ItemDataRole.UserRole + 1,
                f"{spec.name} {spec.category.value} {spec.summary}".lower(),
            )
            item.setToolTip(f"{spec.signature()}\nNull: {spec.nulls.value}")
            self.list.addItem(item)
        self.search.textChanged.connect(self._filter)
        self.list.currentItemChanged.connect(self._show)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            if choose
            else QDialogButtonBox.StandardButton.Close
        )
        if choose:
            ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
            ok.setText("Add step")
            self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addWidget(self.doc, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.list.setCurrentRow(0)
        self.search.setFocus()

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        first_visible = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            haystack = str(item.data(Qt.ItemDataRole.UserRole + 1))
            hidden = not all(word in haystack for word in words)
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = item
        current = self.list.currentItem()
        if first_visible is not None and (current is None or current.isHidden()):
            self.list.setCurrentItem(first_visible)

    def _show(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        name = str(current.data(Qt.ItemDataRole.UserRole))
        chain = self.chains.get(name.removeprefix(LIBRARY_PREFIX))
        if name.startswith(LIBRARY_PREFIX) and chain is not None:
            self.doc.setHtml(chain_html(name.removeprefix(LIBRARY_PREFIX), chain))
        else:
            self.doc.setHtml(describe_function(name))

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return str(item.data(Qt.ItemDataRole.UserRole))
