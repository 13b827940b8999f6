"""Run with…: choose where the records come from and go to before running the mapping
(or a stored pipeline).

Each side offers the document's own connector (when it has one) and the saved
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
from fieldwright.domain.pipeline import PipelineDocument
from fieldwright.domain.store_models import ConnectionRecord

__all__ = ["RunDialog", "describe_connector"]

_PLACES = ("path", "url", "table", "base_url", "directory", "query")
SIDES = ("source", "target")


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
        document: MappingDocument | PipelineDocument,
        connections: list[ConnectionRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("run_dialog")
        self.setWindowTitle(f"Run {document.name}")
        self.ui = Form("run_dialog.ui")
        QVBoxLayout(self).addWidget(self.ui.widget)  # the dialog's margins, from the style
        self.document = document
        self.what = "pipeline" if isinstance(document, PipelineDocument) else "mapping"
        self.connections = connections
        self.combos = {side: self.ui.child(QComboBox, f"run_{side}") for side in SIDES}
        self._fill("source", exclude=None)
        self._fill("target", exclude=self._source_connection())
        self.combos["source"].currentIndexChanged.connect(self._source_changed)
        self.combos["target"].currentIndexChanged.connect(self._update)
        # The theme's error colour, light or dark (the form gives it the error role).
        self.problem = self.ui.child(QLabel, "run_dialog_problem")
        self.buttons = self.ui.child(QDialogButtonBox, "run_dialog_buttons")
        self.run_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.run_button.setText("Run")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._update()

    def _fill(self, side: str, *, exclude: str | None) -> None:
        """The side's choices: the mapping's own connector, then the saved connections but
        `exclude` (the target never offers the connection the records are read from)."""
        combo = self.combos[side]
        kept = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        own = getattr(self.document, side).connector
        if own is not None:
            combo.addItem(f"As in the {self.what}: {describe_connector(own)}", None)
        for record in self.connections:
            if record.name == exclude:
                continue
            detail = f" — {record.description}" if record.description else ""
            combo.addItem(f"Connection {record.name} ({record.kind}){detail}", record.name)
        combo.setCurrentIndex(max(combo.findData(kept), 0))
        combo.blockSignals(False)

    def _chosen(self, side: str) -> str | None:
        data = self.combos[side].currentData()
        return data if isinstance(data, str) else None

    def _source_connection(self) -> str | None:
        """The saved connection the records are read from: the one chosen, or the one the
        mapping's own source names."""
        chosen = self._chosen("source")
        own = self.document.source.connector
        return chosen or (own.connection if own is not None else None)

    def _source_changed(self) -> None:
        self._fill("target", exclude=self._source_connection())
        self._update()

    def _update(self) -> None:
        missing = [side for side, combo in self.combos.items() if combo.count() == 0]
        if missing:
            self.problem.setText(
                f"There is no {' and no '.join(missing)} to choose: the {self.what} has none and "
                "no saved connection exists. Add one on the Connections page."
            )
        self.problem.setVisible(bool(missing))
        self.run_button.setEnabled(not missing)

    def choice(self) -> dict[str, str | None]:
        """The connection name chosen for each side; None means the document's own."""
        return {side: self._chosen(side) for side in SIDES}
