"""The editor of the selected step: one form per step type, every change an undoable edit.

The form is built for the step's type when a step is selected; each widget reads
one setting. Every change rebuilds the step from the whole form: when it is a valid
step, `stepEdited(at, step, merge_key)` asks the page for a `ReplaceStep` (typing on
in one field merges into one undo step); when it is not, the reason is shown under
the form and nothing is edited. JMESPath predicates (a filter's, a branch's `when`)
are compiled as they are typed and their errors shown beside them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.pipelines.branch_target import BranchTargetEditor, file_kind
from fieldwright.app.pipelines.rows_table import Column, RowsTable
from fieldwright.authoring.pipeline_edits import StepAt, step_from_data
from fieldwright.domain.pipeline import (
    AggregateFunction,
    EnrichMode,
    JoinKind,
    Keep,
    NoMatch,
    PipelineStep,
    RouteMode,
)
from fieldwright.service import ServiceError, check_filter

__all__ = ["StepEditor", "validation_text"]

_FILE_KINDS = ("csv", "ndjson", "json", "xlsx")
#: An enrich source's kind as the editor offers it → its group of settings.
_SOURCE_TYPES = {"File": "file", "SQL table or query": "sql", "HTTP endpoint": "http"}
_SOURCE_LABELS = {group: label for label, group in _SOURCE_TYPES.items()}
_TYPES = ("", "string", "integer", "number", "boolean", "date", "datetime")


def validation_text(exc: ValidationError) -> str:
    """A pydantic error as a line per problem: where (the setting) and what."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if not str(part).endswith("Step"))
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "\n".join(lines)


def _number(text: str) -> Any:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # the step's validation names it


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def target_label(target: dict[str, Any] | None) -> str:
    """What a branch's target shows in the Target column: a file's name, a SQL table as
    ``sql: TABLE`` (``sql: CONNECTION/TABLE`` through a saved connection), an HTTP
    endpoint as ``http: URL`` (``http: CONNECTION URL``, the URL maybe a path on it)."""
    connector = (target or {}).get("connector") or {}
    settings = connector.get("settings") or {}
    kind = str(connector.get("kind", "")).lower()
    via = connector.get("connection")
    if kind == "sql":
        table = settings.get("table", "")
        return f"sql: {via}/{table}" if via else f"sql: {table}"
    if kind == "http":
        url = str(settings.get("url", ""))
        return f"http: {via} {url}".rstrip() if via else f"http: {url}"
    return str(settings.get("path", ""))


class StepEditor(QWidget):
    """The selected step's settings."""

    stepEdited = Signal(object, object, str)  #: (StepAt, PipelineStep, merge key)
    openMapping = Signal(str)  #: a map step's stored mapping key or mapping file, to open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline_step_editor")
        #: The saved connections an enrich source may name (offered as you type).
        self.connection_names: list[str] = []
        #: The stored mappings as (key, name), fetched through the service when a map step
        #: is shown.
        self.list_mappings: Callable[[], list[tuple[str, str]]] = list
        #: The saved connections as (name, kind), fetched through the service when asked.
        self.list_connections: Callable[[], list[tuple[str, str]]] = list
        #: The route step and branch row last selected: selected again when the step's
        #: form is built anew (an undo, a redo), so its target stays in view.
        self._branch_row: tuple[StepAt, int] | None = None
        self.at: StepAt | None = None
        self.step: PipelineStep | None = None
        self._getters: dict[str, Callable[[], Any]] = {}
        self._collect: Callable[[], dict[str, Any]] = dict
        self._loading = False
        self.title = QLabel("Select a step, or add one from the palette.")
        self.title.setObjectName("step_editor_title")
        self.title.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("step_editor_error")
        self.error.setWordWrap(True)
        self.error.setProperty("role", "error")
        self.error.hide()
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.scroller.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.error)

    # -- building the form -----------------------------------------------------------------

    def clear_step(self) -> None:
        self.at, self.step = None, None
        self._reset_form()
        self._show_body()
        self.title.setText("Select a step, or add one from the palette.")
        self.error.hide()

    def _reset_form(self) -> None:
        self.body.deleteLater()
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._getters = {}

    def _show_body(self) -> None:
        """Put the built form in the scroll area: shown with its rows at once (a widget
        added to a shown one would show only on the next turn of the event loop)."""
        self.scroller.setWidget(self.body)
        self.body.show()

    def load(self, at: StepAt, step: PipelineStep) -> None:
        """Show `step` (at `at`) in the form of its type."""
        self._loading = True
        try:
            self.at, self.step = at, step
            self._reset_form()
            where = " › ".join(str(n + 1) for n in at)
            self.title.setText(f"<b>{step.type}</b> step {where}")
            self._line("name", "Name", step.name)
            self._line("description", "Description", step.description)
            builder = getattr(self, f"_build_{step.type}")
            self._collect = builder(step.model_dump(mode="json"))
        finally:
            self._loading = False
            self._show_body()
        self.error.hide()

    def _line(
        self,
        key: str,
        label: str,
        text: str | None,
        *,
        placeholder: str = "",
        predicate: bool = False,
    ) -> QLineEdit:
        edit = QLineEdit(text or "")
        edit.setObjectName(f"step_{key}")
        edit.setPlaceholderText(placeholder)
        self._getters[key] = lambda: edit.text().strip()
        if predicate:
            check = QLabel()
            check.setObjectName(f"step_{key}_check")
            check.setWordWrap(True)
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(edit)
            column.addWidget(check)
            self._show_check(check, edit.text())
            edit.textChanged.connect(lambda value: self._show_check(check, value))
            self.form.addRow(label, holder)
        else:
            self.form.addRow(label, edit)
        edit.textEdited.connect(lambda _t: self._changed(key))
        return edit

    def _show_check(self, label: QLabel, expression: str) -> None:
        problem = check_filter(expression) if expression.strip() else "a predicate is needed"
        label.setText(f"✗ {problem}" if problem else "✓ valid JMESPath")
        label.setProperty("role", "error" if problem else "muted")
        label.style().unpolish(label)
        label.style().polish(label)

    def _check(self, key: str, label: str, checked: bool) -> QCheckBox:
        box = QCheckBox(label)
        box.setObjectName(f"step_{key}")
        box.setChecked(checked)
        self._getters[key] = box.isChecked
        box.toggled.connect(lambda _c: self._changed(""))
        self.form.addRow("", box)
        return box

    def _choice(self, key: str, label: str, options: tuple[str, ...], current: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"step_{key}")
        combo.addItems(list(options))
        combo.setCurrentIndex(max(combo.findText(current), 0))
        self._getters[key] = combo.currentText
        combo.currentIndexChanged.connect(lambda _i: self._changed(""))
        self.form.addRow(label, combo)
        return combo

    def _rows(
        self,
        key: str,
        label: str,
        columns: list[Column],
        rows: list[list[Any]],
        payloads: list[Any] | None = None,
    ) -> RowsTable:
        table = RowsTable(f"step_{key}", columns)
        table.set_rows(rows, payloads)
        table.changed.connect(
            lambda column: self._changed(f"{key}:{column}" if column >= 0 else "")
        )
        self.form.addRow(label, table)
        return table

    def _note(self, text: str) -> None:
        note = QLabel(text)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.form.addRow("", note)

    # -- one builder per step type: widgets from the step's data, and how to read them back --

    def _build_map(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        mapping = data["mapping"]
        inline = mapping if isinstance(mapping, dict) else None
        combo = QComboBox()
        combo.setObjectName("step_mapping")
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        label = ""
        if inline is not None:
            fields = len(inline.get("fields", []))
            label = f"(inline: {inline.get('name', '')}, {fields} field mappings)"
            combo.addItem(label)
        for key, name in self._stored_mappings():
            combo.addItem(key)
            combo.setItemData(combo.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        current = label or str(mapping)
        combo.setCurrentIndex(combo.findText(current))  # -1: a file, or a key not stored
        combo.setEditText(current)
        line = combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("a stored mapping's key, or orders.fwmap.json")
        opener = QPushButton("Open in Designer")
        opener.setObjectName("step_open_mapping")
        opener.setToolTip("Open the stored mapping or the mapping file in the Mapping Designer")
        row = QWidget()
        across = QHBoxLayout(row)
        across.setContentsMargins(0, 0, 0, 0)
        across.addWidget(combo, 1)
        across.addWidget(opener)
        self.form.addRow("Mapping", row)

        def chosen() -> str:
            return combo.currentText().strip()

        def enable() -> None:
            opener.setEnabled(bool(chosen()) and chosen() != label)

        self._getters["mapping"] = chosen

        def text_changed(_text: str) -> None:
            enable()
            self._changed("mapping")

        combo.currentTextChanged.connect(text_changed)
        opener.clicked.connect(lambda: self.openMapping.emit(chosen()))
        enable()
        self._note(
            "Choose a stored mapping (its key), or type a mapping file's path (relative to "
            "the pipeline file). "
            + (
                "The inline mapping's fields are edited in the pipeline file; choosing a "
                "stored mapping replaces it (Undo brings it back)."
                if inline is not None
                else ""
            )
        )

        def collect() -> dict[str, Any]:
            text = chosen()
            return {"mapping": inline if inline is not None and text == label else text}

        return collect

    def _stored_mappings(self) -> list[tuple[str, str]]:
        try:
            return self.list_mappings()
        except ServiceError:
            return []  # the store cannot list them: a key or a file is typed

    def _build_filter(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        self._line("predicate", "Keep when", data["predicate"], predicate=True)
        self._note("A JMESPath over the record, e.g. status == 'active' && total > `100`.")
        return lambda: {"predicate": self._getters["predicate"]()}

    def _build_validate(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        columns = [
            Column("Field", default="$."),
            Column("Required", "bool", default=True),
            Column("Type", "choice", _TYPES),
            Column("Regex"),
            Column("Min"),
            Column("Max"),
            Column("Enum (a, b)"),
        ]
        rows = [
            [
                c["field"],
                c.get("required", False),
                c.get("type") or "",
                c.get("regex") or "",
                "" if c.get("min") is None else c["min"],
                "" if c.get("max") is None else c["max"],
                ", ".join(str(v) for v in c.get("enum") or []),
            ]
            for c in data["checks"]
        ]
        table = self._rows("checks", "Checks", columns, rows, payloads=list(data["checks"]))
        shown = {"field", "required", "type", "regex", "min", "max", "enum"}

        def collect() -> dict[str, Any]:
            checks = []
            for (field, required, kind, regex, low, high, enum), before in zip(
                table.rows(), table.payloads(), strict=True
            ):
                # Rules the table has no column for (max_length) stay as they were.
                kept = {k: v for k, v in (before or {}).items() if k not in shown}
                check: dict[str, Any] = {**kept, "field": field, "required": required}
                if kind:
                    check["type"] = kind
                if regex:
                    check["regex"] = regex
                if (value := _number(low)) is not None:
                    check["min"] = value
                if (value := _number(high)) is not None:
                    check["max"] = value
                if enum:
                    check["enum"] = [_json_value(v.strip()) for v in enum.split(",") if v.strip()]
                checks.append(check)
            return {"checks": checks}

        return collect

    def _build_unwind(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        self._line("path", "Array", data["path"], placeholder="$.items")
        self._line("into", "Item under", data.get("into"), placeholder="(merged into the record)")
        self._line("position", "Position as", data.get("position"), placeholder="(not written)")
        self._choice(
            "position_base", "Positions from", ("1", "0"), str(data.get("position_base", 1))
        )
        self._check("keep_empty", "Keep records without items", bool(data.get("keep_empty")))
        carry = [[name, path] for name, path in data.get("carry", {}).items()]
        table = self._rows(
            "carry", "Carry", [Column("Output name"), Column("Parent path", default="$.")], carry
        )
        get = self._getters

        def collect() -> dict[str, Any]:
            return {
                "path": get["path"](),
                "into": get["into"]() or None,
                "position": get["position"]() or None,
                "position_base": int(get["position_base"]()),
                "keep_empty": get["keep_empty"](),
                "carry": {name: path for name, path in table.rows() if name},
            }

        return collect

    def _build_enrich(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        source = data["source"]
        kind = str(source.get("kind", "csv"))
        group = kind if kind in ("sql", "http") else "file"
        settings = dict(source.get("settings", {}))
        source_type = self._choice(
            "source_type", "Source", tuple(_SOURCE_TYPES), _SOURCE_LABELS[group]
        )
        file_kind = self._choice(
            "source_kind", "File format", _FILE_KINDS, kind if group == "file" else "csv"
        )
        path = self._line(
            "source_path", "Source file", str(settings.get("path", "")), placeholder="partners.csv"
        )
        connection = self._line(
            "source_connection",
            "Saved connection",
            source.get("connection"),
            placeholder="(none: the settings below)",
        )
        if self.connection_names:
            completer = QCompleter(self.connection_names, connection)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            connection.setCompleter(completer)
        url = self._line(
            "source_url",
            "URL",
            str(settings.get("url", "")),
            placeholder="(from the connection)",
        )
        table = self._line(
            "source_table", "Table", str(settings.get("table", "")), placeholder="employees"
        )
        query = self._line(
            "source_query",
            "Query",
            str(settings.get("query", "")),
            placeholder="(or) SELECT id, name FROM employees",
        )
        mode = self._choice("mode", "Read", tuple(m.value for m in EnrichMode), data["mode"])
        batch = self._line("batch_size", "Keys per lookup", str(data.get("batch_size", 500)))
        cache = self._line("cache_size", "Keys cached", str(data.get("cache_size", 10_000)))
        records_path = self._line(
            "records_path", "Record at", data.get("records_path"), placeholder="$ (the body)"
        )
        batch_param = self._line(
            "batch_param",
            "Batch parameter",
            data.get("batch_param"),
            placeholder="(none: the keys are in the URL, {id})",
        )
        budget = self._line(
            "max_requests",
            "Request budget",
            "" if data.get("max_requests") is None else str(data["max_requests"]),
            placeholder="(no limit)",
        )
        by_group: dict[str, list[QWidget]] = {
            "file": [file_kind, path],
            "sql": [connection, url, table, query, mode, batch, cache],
            "http": [connection, url, mode, batch, cache, records_path, batch_param, budget],
        }
        every = {id(w): w for widgets in by_group.values() for w in widgets}
        lookup_only = {id(w) for w in (batch, cache, records_path, batch_param, budget)}

        def show_fields() -> None:
            chosen = _SOURCE_TYPES[source_type.currentText()]
            shown = {id(w) for w in by_group[chosen]}
            if mode.currentText() != EnrichMode.LOOKUP.value:
                shown -= lookup_only
            for key, widget in every.items():
                self.form.setRowVisible(widget, key in shown)
            url.setPlaceholderText(
                "https://host/employees/{id}, or /employees/{id} on the connection's host"
                if chosen == "http"
                else "(the saved connection's) or sqlite:///hr.db"
            )

        show_fields()
        source_type.currentIndexChanged.connect(lambda _i: show_fields())
        mode.currentIndexChanged.connect(lambda _i: show_fields())
        on = self._rows(
            "on",
            "Join on",
            [Column("Record path", default="$."), Column("Source path", default="$.")],
            [[left, right] for left, right in data["on"].items()],
        )
        self._choice("how", "Join", tuple(k.value for k in JoinKind), data.get("how", "left"))
        self._choice(
            "no_match",
            "Without a match",
            tuple(k.value for k in NoMatch),
            data.get("no_match", "keep"),
        )
        defaults = self._rows(
            "defaults",
            "Defaults",
            [Column("Field"), Column("Value (JSON)")],
            [[name, json.dumps(value)] for name, value in data.get("defaults", {}).items()],
        )
        fields = self._rows(
            "fields",
            "Fields taken",
            [Column("Output name"), Column("Source path", default="$.")],
            [[name, path] for name, path in data.get("fields", {}).items()],
        )
        self._line("into", "Fields under", data.get("into"), placeholder="(merged into the record)")
        get = self._getters

        def collect_source() -> tuple[dict[str, Any], dict[str, Any]]:
            """The source, and the step's settings that go with its kind."""
            chosen = _SOURCE_TYPES[get["source_type"]()]
            kept = {k: v for k, v in settings.items() if chosen == group}
            if chosen == "file":
                kept.pop("url", None)
                return {
                    "kind": get["source_kind"](),
                    "settings": {**kept, "path": get["source_path"]()},
                }, {"mode": "index"}
            for name in ("path", "url", "table", "query"):
                kept.pop(name, None)
            if get["source_url"]():
                kept["url"] = get["source_url"]()
            extra: dict[str, Any] = {"mode": get["mode"]()}
            lookup = get["mode"]() == EnrichMode.LOOKUP.value
            if lookup:
                extra["batch_size"] = _number(get["batch_size"]()) if get["batch_size"]() else 500
                extra["cache_size"] = (
                    _number(get["cache_size"]()) if get["cache_size"]() else 10_000
                )
            if chosen == "sql":
                for name in ("table", "query"):
                    if get[f"source_{name}"]():
                        kept[name] = get[f"source_{name}"]()
            elif lookup:
                extra["records_path"] = get["records_path"]() or None
                extra["batch_param"] = get["batch_param"]() or None
                extra["max_requests"] = _number(get["max_requests"]())
            found = {"kind": chosen, "settings": kept}
            if get["source_connection"]():
                found["connection"] = get["source_connection"]()
            if source.get("credential") and chosen == group:
                found["credential"] = source["credential"]
            return found, extra

        def collect() -> dict[str, Any]:
            found, extra = collect_source()
            return {
                "source": found,
                **extra,
                "on": {left: right for left, right in on.rows() if left},
                "how": get["how"](),
                "no_match": get["no_match"](),
                "defaults": {name: _json_value(value) for name, value in defaults.rows() if name},
                "fields": {name: path for name, path in fields.rows() if name},
                "into": get["into"]() or None,
            }

        return collect

    def _build_aggregate(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        keys = self._rows(
            "group_by",
            "Group by",
            [Column("Key path", default="$.")],
            [[k] for k in data["group_by"]],
        )
        functions = tuple(f.value for f in AggregateFunction)
        aggregates = self._rows(
            "aggregates",
            "Aggregates",
            [
                Column("Name"),
                Column("Function", "choice", functions),
                Column("Field", default="$."),
            ],
            [[a["name"], a["fn"], a.get("field") or ""] for a in data["aggregates"]],
        )

        def collect() -> dict[str, Any]:
            return {
                "group_by": [key for (key,) in keys.rows() if key],
                "aggregates": [
                    {"name": name, "fn": fn, "field": field or None}
                    for name, fn, field in aggregates.rows()
                ],
            }

        return collect

    def _build_sort(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        keys = self._rows(
            "keys",
            "Sort by",
            [Column("Key path", default="$."), Column("Descending", "bool", default=False)],
            [[k["field"], k.get("descending", False)] for k in data["keys"]],
        )
        return lambda: {
            "keys": [{"field": field, "descending": down} for field, down in keys.rows()]
        }

    def _build_dedupe(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        keys = self._rows(
            "keys", "One per", [Column("Key path", default="$.")], [[k] for k in data["keys"]]
        )
        self._choice("keep", "Keep", tuple(k.value for k in Keep), data.get("keep", "first"))
        return lambda: {"keys": [k for (k,) in keys.rows() if k], "keep": self._getters["keep"]()}

    def _build_route(self, data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        self._choice("mode", "Mode", tuple(m.value for m in RouteMode), data.get("mode", "first"))
        branches: list[dict[str, Any]] = data["branches"]
        rows = []
        for branch in branches:
            rows.append(
                [branch["name"], branch.get("when") or "", target_label(branch.get("target"))]
            )
        table = self._rows(
            "branches",
            "Branches",
            [Column("Name", default="branch"), Column("When"), Column("Target")],
            rows,
            payloads=list(range(len(branches))),
        )
        check = QLabel()
        check.setObjectName("step_branches_check")
        check.setWordWrap(True)
        self.form.addRow("", check)
        target_editor = BranchTargetEditor(self._connections_of_kind)
        self.form.addRow(target_editor)
        self._note(
            "When is a JMESPath over the record; a branch without one takes every record "
            "left (mode first). Select a branch's row to set its target below: a file "
            "beside the run's output (or type its name in the Target column), a SQL "
            "table or an HTTP endpoint. Without a target its records go on after the "
            "route step; its own steps are under it in the tree."
        )
        #: A row's target by its payload: a branch's index, or a new row's own token.
        targets: dict[Any, dict[str, Any] | None] = {
            n: branch.get("target") for n, branch in enumerate(branches)
        }
        tokens = iter(range(len(branches), 1 << 30))

        def row_target(row: int) -> dict[str, Any] | None:
            token = table.payloads()[row]
            text = table.rows()[row][2]
            before = targets.get(token)
            if text and target_label(before) == text:
                return before  # unchanged: kept whole (a SQL one, its other settings)
            if not text:
                return None
            return {"connector": {"kind": file_kind(text), "settings": {"path": text}}}

        def show_checks() -> None:
            problems = [
                f"✗ branch {name or n + 1!s}: {problem}"
                for n, (name, when, _t) in enumerate(table.rows())
                if (problem := check_filter(when))
            ]
            check.setText("\n".join(problems) or "✓ every When is valid JMESPath")
            check.setProperty("role", "error" if problems else "muted")
            check.style().unpolish(check)
            check.style().polish(check)

        def show_target() -> None:
            row = table.table.currentRow()
            if row < 0 or row >= table.table.rowCount():
                target_editor.show_target(None, None)
                return
            if self.at is not None:
                self._branch_row = (self.at, row)
            target_editor.show_target(table.rows()[row][0] or f"{row + 1}", row_target(row))

        def target_edited(target: dict[str, Any] | None, key: str) -> None:
            row = table.table.currentRow()
            if row < 0:
                return
            token = table.payloads()[row]
            if token is None:  # a row added here: it gets a token of its own
                token = f"new {next(tokens)}"
                table.set_payload(row, token)
            targets[token] = target
            table.set_text(row, 2, target_label(target))
            self._changed(f"branches:{key}")

        show_checks()
        table.changed.connect(lambda _c: show_checks())
        table.table.currentCellChanged.connect(lambda *_a: show_target())
        table.changed.connect(lambda column: show_target() if column in (0, 2, -1) else None)
        target_editor.edited.connect(target_edited)
        if self._branch_row is not None and self._branch_row[0] == self.at:
            table.table.setCurrentCell(min(self._branch_row[1], len(branches) - 1), 0)
        show_target()

        def collect() -> dict[str, Any]:
            out = []
            for row, origin in enumerate(table.payloads()):
                name, when, _target = table.rows()[row]
                kept: dict[str, Any] = (
                    dict(branches[origin])
                    if isinstance(origin, int) and origin < len(branches)
                    else {"steps": []}
                )
                kept.update(name=name, when=when or None, target=row_target(row))
                out.append(kept)
            return {"branches": out}

        return collect

    def _connections_of_kind(self, wanted: str) -> list[str]:
        """The saved connections of kind `wanted` (sql, http) a branch's target may name."""
        return sorted(name for name, kind in self.list_connections() if kind == wanted)

    # -- reading the form back -------------------------------------------------------------

    def current(self) -> PipelineStep | None:
        """The step the form describes; None (and the reason shown) when it is not valid."""
        if self.step is None:
            return None
        data = {
            "name": self._getters["name"](),
            "description": self._getters["description"](),
            "type": self.step.type,
            **self._collect(),
        }
        try:
            step = step_from_data(data)
        except ValidationError as exc:
            self.error.setText(validation_text(exc))
            self.error.show()
            return None
        self.error.hide()
        return step

    def _changed(self, key: str) -> None:
        if self._loading or self.at is None:
            return
        step = self.current()
        if step is not None and step != self.step:
            self.step = step
            self.stepEdited.emit(self.at, step, key)
