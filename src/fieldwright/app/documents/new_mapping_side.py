"""One side of the New mapping guide: where a schema (and a connector) come from.

The source may start from a sample file, a saved connection (a SQL table or
query, an HTTP API, a file) or an HTTP endpoint; the target from an empty
schema, a sample file, a JSON Schema, a database table or a template's target.
`read()` asks the service for the fields on a worker thread (a database or an
API may take a while) and keeps them with the connector the new document will
use (`authoring/schema_sources.py`); a failure is said under the form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.authoring.edits import Side
from fieldwright.authoring.schema_sources import (
    SOURCE_KINDS,
    STORE_KINDS,
    TARGET_KINDS,
    Incomplete,
    SideChoice,
    StartFrom,
)
from fieldwright.domain import ConnectorRef, SchemaField
from fieldwright.service import ServiceError

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = ["SOURCE_KINDS", "TARGET_KINDS", "SideChooser", "StartFrom"]

SAMPLE_FILTER = "Sample files (*.csv *.ndjson *.jsonl *.json *.xlsx *.parquet);;All files (*)"
JSON_SCHEMA_FILTER = "JSON Schema (*.json);;All files (*)"


_LABELS = {
    StartFrom.EMPTY: "An empty schema",
    StartFrom.FILE: "A sample file",
    StartFrom.JSON_SCHEMA: "A JSON Schema file",
    StartFrom.HTTP: "An HTTP endpoint",
    StartFrom.TEMPLATE: "A template's target",
}
_PAGES = {
    StartFrom.EMPTY: "side_empty_page",
    StartFrom.FILE: "side_file_page",
    StartFrom.JSON_SCHEMA: "side_file_page",
    StartFrom.CONNECTION: "side_connection_page",
    StartFrom.HTTP: "side_http_page",
    StartFrom.TEMPLATE: "side_template_page",
}
_INTRO = {
    "source": "Where the records come from. Fieldwright reads the fields from it, and runs "
    "read from it.",
    "target": "What the mapped records look like. Start empty and add fields, or take them "
    "from a sample, a JSON Schema, a database table (runs write into it) or a template.",
}


def _summary(fields: list[SchemaField]) -> str:
    names = ", ".join(f.name for f in fields[:8])
    more = f" and {len(fields) - 8} more" if len(fields) > 8 else ""
    count = f"{len(fields)} field{'s' if len(fields) != 1 else ''}"
    return f"{count}: {names}{more}" if fields else "no fields yet"


class SideChooser(QWidget):
    """Choose and read one side; `fields` and `connector` hold what was read."""

    #: The inputs changed since the last read.
    changed = Signal()
    #: A read ended: True when `fields` and `connector` hold the current choice.
    readFinished = Signal(bool)
    #: True while a read runs.
    busyChanged = Signal(bool)

    def __init__(
        self,
        side: Side,
        kinds: tuple[StartFrom, ...],
        service: Service | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.side = side
        self.setObjectName(f"{side}_chooser")
        self.service = service
        self.fields: list[SchemaField] = []
        self.connector: ConnectorRef | None = None
        #: The inputs of the last successful read (None: not read, or changed since).
        self._read_inputs: tuple[str, ...] | None = None
        #: The inputs being read on the pool (None: no read under way).
        self._reading: tuple[str, ...] | None = None
        self._generation = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.form = Form("new_mapping_side.ui")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form.widget)
        child = self.form.child
        child(QLabel, "side_intro").setText(_INTRO[side])
        self.kind = child(QComboBox, "side_kind")
        self.pages = child(QStackedWidget, "side_pages")
        self.path = child(QLineEdit, "side_path")
        self.connection = child(QComboBox, "side_connection")
        self.table = child(QLineEdit, "side_table")
        self.query = child(QLineEdit, "side_query")
        self.url = child(QLineEdit, "side_url")
        self.records_path = child(QLineEdit, "side_records_path")
        self.template = child(QComboBox, "side_template")
        self.read_button = child(QPushButton, "side_read")
        self.status = child(QLabel, "side_status")
        self.problem = child(QLabel, "side_problem")
        if side == "target":  # a run writes into a table, never a query
            self.query.hide()
            child(QLabel, "side_query_label").hide()
        for kind in kinds:
            if service is not None or kind not in STORE_KINDS:
                self.kind.addItem(self._label(kind), kind.value)
        self._fill_choices()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        child(QPushButton, "side_browse").clicked.connect(self._browse)
        self.read_button.clicked.connect(self.read)
        for edit in (self.path, self.table, self.query, self.url, self.records_path):
            edit.textChanged.connect(self._inputs_changed)
        for combo in (self.connection, self.template):
            combo.currentIndexChanged.connect(self._inputs_changed)
        self.problem.hide()
        self._kind_changed()

    def _label(self, kind: StartFrom) -> str:
        if kind is StartFrom.CONNECTION:
            return "A saved connection" if self.side == "source" else "A database table"
        return _LABELS[kind]

    def _fill_choices(self) -> None:
        """Saved connections (a target: databases only) and templates, from the store."""
        if self.service is None:
            return
        try:
            kind = "sql" if self.side == "target" else None
            for record in self.service.connections.list(kind=kind):
                self.connection.addItem(f"{record.name} ({record.kind})", record.name)
            for template in self.service.templates.list_templates():
                self.template.addItem(f"{template.name} — {template.code}", template.code)
        except ServiceError as exc:
            self._say_problem(f"Cannot list the store's connections and templates: {exc}")
        if self.connection.count() == 0:
            self.connection.setPlaceholderText("No saved connection: add one on Connections")

    # -- what the analyst chose -----------------------------------------------------------

    def start_from(self) -> StartFrom:
        return StartFrom(self.kind.currentData())

    def choose(self, kind: StartFrom) -> None:
        index = self.kind.findData(kind.value)
        if index < 0:
            raise ValueError(f"the {self.side} cannot start from {kind.value} here")
        self.kind.setCurrentIndex(index)

    def _inputs(self) -> tuple[str, ...]:
        return (
            self.start_from().value,
            self.path.text().strip(),
            str(self.connection.currentData() or ""),
            self.table.text().strip(),
            self.query.text().strip(),
            self.url.text().strip(),
            self.records_path.text().strip(),
            str(self.template.currentData() or ""),
        )

    @property
    def is_read(self) -> bool:
        """Whether `fields` and `connector` hold the current choice."""
        return self._read_inputs == self._inputs()

    def template_systems(self) -> tuple[str, str] | None:
        """The system codes of the chosen template (QBT, WFN), when a template is chosen."""
        code = self.template.currentData()
        if self.start_from() is not StartFrom.TEMPLATE or not isinstance(code, str):
            return None
        parts = code.split("_")
        return (parts[1], parts[2]) if len(parts) == 3 else None

    def _kind_changed(self) -> None:
        kind = self.start_from()
        current = self.form.child(QWidget, _PAGES[kind])
        # The stack is as tall as the page shown, so Read fields sits right under it.
        for page in self.pages.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            ignored = page is not current
            policy = QSizePolicy.Policy.Ignored if ignored else QSizePolicy.Policy.Preferred
            page.setSizePolicy(policy, policy)
        self.pages.setCurrentWidget(current)
        self.pages.updateGeometry()
        self.read_button.setVisible(kind is not StartFrom.EMPTY)
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        if self._reading is not None:  # a read of other inputs is under way: drop it
            self._generation += 1
            self._reading = None
            self._idle()
        self.status.setText("" if self.start_from() is StartFrom.EMPTY else "Not read yet.")
        self.problem.hide()
        self.changed.emit()

    def _browse(self) -> None:
        json_schema = self.start_from() is StartFrom.JSON_SCHEMA
        title = "JSON Schema of the target" if json_schema else f"Sample of the {self.side}"
        path, _filter = QFileDialog.getOpenFileName(
            self, title, "", JSON_SCHEMA_FILTER if json_schema else SAMPLE_FILTER
        )
        if path:
            self.path.setText(path)

    def _say_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    # -- reading --------------------------------------------------------------------------

    def choice(self) -> SideChoice:
        """What the form holds now, as plain values a worker may read."""
        return SideChoice(
            self.side,
            self.start_from(),
            path=self.path.text(),
            connection=str(self.connection.currentData() or ""),
            table=self.table.text(),
            query=self.query.text(),
            url=self.url.text(),
            records_path=self.records_path.text(),
            template=str(self.template.currentData() or ""),
        )

    @property
    def reading(self) -> bool:
        return self._reading is not None

    def read(self) -> None:
        """Read the current choice off the GUI thread; `readFinished(ok)` says how it went.

        A missing input is said at once; an edit while reading drops the stale result.
        """
        choice = self.choice()
        try:
            choice.check(self.service)
        except Incomplete as exc:
            self._failed(self._generation, str(exc))
            return
        self._generation += 1
        self._reading = self._inputs()
        self.status.setText("Reading…")
        self.problem.hide()
        self.read_button.setEnabled(False)
        self.busyChanged.emit(True)
        service = self.service
        self.pool.start(Task(self._generation, lambda: choice.read(service), self.signals))

    def _done(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return  # the inputs changed while it was read
        fields, connector = cast("tuple[list[SchemaField], ConnectorRef | None]", result)
        self.fields, self.connector = fields, connector
        self._read_inputs, self._reading = self._reading, None
        self.status.setText(_summary(fields))
        self._idle()
        self.readFinished.emit(self.is_read)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._read_inputs = self._reading = None
        self.status.setText("")
        self.problem.setText(message)
        self.problem.show()
        self._idle()
        self.readFinished.emit(False)

    def _idle(self) -> None:
        self.read_button.setEnabled(True)
        self.busyChanged.emit(False)

    def shutdown(self) -> None:
        """Drop queued reads and wait for the one running (the dialog is closing)."""
        self._generation += 1
        self.pool.clear()
        self.pool.waitForDone()
