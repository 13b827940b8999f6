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
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

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
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        for side in ("source", "target"):
            combo = QComboBox()
            combo.setObjectName(f"run_{side}")
            combo.setMinimumWidth(380)
            own = getattr(document, side).connector
            if own is not None:
                combo.addItem(f"As in the mapping: {describe_connector(own)}", None)
            for record in connections:
                detail = f" — {record.description}" if record.description else ""
                combo.addItem(f"Connection {record.name} ({record.kind}){detail}", record.name)
            combo.currentIndexChanged.connect(self._update)
            self.combos[side] = combo
            form.addRow(f"{side.title()}:", combo)
        self.problem = QLabel()
        self.problem.setObjectName("run_dialog_problem")
        self.problem.setWordWrap(True)
        self.problem.setProperty("role", "error")  # the theme's error colour, light or dark
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.run_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.run_button.setText("Run")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        intro = QLabel(
            "The run is logged in the store; its dead letters can be reprocessed from the "
            "Runs page. The mapping document is not changed by this choice."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
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
