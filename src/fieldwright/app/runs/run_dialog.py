"""Run with…: choose where the records come from and go to before running the mapping.

Each side offers the mapping's own connector (when it has one) and the saved
connections of the store; the choice becomes the run's `source`/`target`
override, so the document itself is not changed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.domain import MappingDocument
from fieldwright.domain.document import ConnectorRef
from fieldwright.domain.store_models import ConnectionRecord

__all__ = ["RunDialog", "describe_connector"]

_PLACES = ("path", "url", "table", "base_url", "directory", "query")


def describe_connector(ref: ConnectorRef) -> str:
    """'csv · contacts.csv', 'sql · crm_contacts' — kind and where, never a secret."""
    for name in _PLACES:
        value = ref.settings.get(name)
        if isinstance(value, str) and value:
            if name == "url" and "@" in value:  # user:password@host: show only the host part
                value = value.split("://", 1)[0] + "://…@" + value.rsplit("@", 1)[1]
            return f"{ref.kind} · {value}"
    return ref.kind


class RunDialog(QDialog):
    """Source and target choices and Run; `choice()` gives the overrides (None: the mapping's)."""

    def __init__(
        self,
        document: MappingDocument,
        connections: list[ConnectionRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("run_dialog")
        self.setWindowTitle(f"Run {document.name}")
        self.ui = Form("run_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)  # the dialog's margins, from the style
        self.combos: dict[str, QComboBox] = {}
        for side in ("source", "target"):
            combo = self.ui.child(QComboBox, f"run_{side}")
            own = getattr(document, side).connector
            if own is not None:
                combo.addItem(f"As in the mapping: {describe_connector(own)}", None)
            for record in connections:
                detail = f" — {record.description}" if record.description else ""
                combo.addItem(f"Connection {record.name} ({record.kind}){detail}", record.name)
            combo.currentIndexChanged.connect(self._update)
            self.combos[side] = combo
        # The theme's error colour, light or dark (the form gives it the error role).
        self.problem = self.ui.child(QLabel, "run_dialog_problem")
        self.buttons = self.ui.child(QDialogButtonBox, "run_dialog_buttons")
        self.run_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.run_button.setText("Run")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._update()

    def _update(self) -> None:
        missing = [side for side, combo in self.combos.items() if combo.count() == 0]
        if missing:
            self.problem.setText(
                f"There is no {' and no '.join(missing)} to choose: the mapping has none and "
                "no saved connection exists. Add one on the Connections page."
            )
        self.problem.setVisible(bool(missing))
        self.run_button.setEnabled(not missing)

    def choice(self) -> dict[str, str | None]:
        """The connection name chosen for each side; None means the mapping's own."""
        chosen: dict[str, str | None] = {}
        for side, combo in self.combos.items():
            data = combo.currentData()
            chosen[side] = data if isinstance(data, str) else None
        return chosen
