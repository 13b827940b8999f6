"""Mapping → Approvals…: where each version of a stored mapping is in its lifecycle.

The versions on the left with their states; on the right the selected version's
sign-offs, the roles still missing and what a security reviewer looks at (the
connectors and credentials it uses, the fields it masks); the audit trail
below. The buttons do the steps the selected version's state allows (submit,
sign off a role, approve, reject, activate, retire) through `Service.approvals`,
on a worker thread: a testing sign-off runs the version's test suite first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from fieldwright.app.approvals.tables import fill_table, when
from fieldwright.app.shell.forms import Form
from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.domain.approvals import (
    TRANSITIONS,
    ApprovalRole,
    AuditEntry,
    LifecycleState,
    VersionLifecycle,
)
from fieldwright.service import Service, ServiceError

__all__ = ["ApprovalsDialog", "describe_security"]

#: Button name → the lifecycle action it does.
BUTTONS = {
    "approvals_submit": "submit",
    "approvals_sign": "sign_off",
    "approvals_approve": "approve",
    "approvals_reject": "reject",
    "approvals_activate": "activate",
    "approvals_retire": "retire",
}


def describe_security(summary: dict[str, Any]) -> str:
    """`Approvals.security_summary` in words: connectors, credentials, masked fields; for
    a pipeline version also its enrich sources and its targets (output and branches)."""
    lines = []
    connectors = summary.get("connectors") or {}
    for side in ("source", "target"):
        ref = connectors.get(side)
        if not ref:
            lines.append(f"{side.title()}: no connector (chosen per run)")
            continue
        text = f"{side.title()}: {ref['kind']}"
        if ref.get("connection"):
            text += f" through connection “{ref['connection']}”"
        credential = ref.get("credential")
        if credential:
            text += f", secret {credential['service']}/{credential['username']} in the keyring"
        lines.append(text)
    masked = summary.get("masked_fields") or []
    if masked:
        fields = ", ".join(f"{m['target']} ({' → '.join(m['steps'])})" for m in masked)
        lines.append(f"Masked or hashed: {fields}")
    else:
        lines.append("Masked or hashed: no field")
    if "enrich_sources" in summary:  # a pipeline version
        sources = summary["enrich_sources"] or []
        lines.append("Enrich sources:" if sources else "Enrich sources: none")
        lines += [f"  step “{s['step']}”: {_reached(s)}" for s in sources]
        targets = summary.get("targets") or []
        lines.append("Targets:" if targets else "Targets: chosen per run")
        lines += [
            f"  {'output' if t['name'] == 'output' else 'branch “' + t['name'] + '”'}: "
            + _reached(t)
            for t in targets
        ]
    return "\n".join(lines)


def _reached(entry: dict[str, Any]) -> str:
    """One enrich source or target of a pipeline's security summary in words."""
    kind = str(entry.get("kind", ""))
    if kind.lower() == "sql":
        what = (
            f"SQL table {entry['table']}"
            if entry.get("table")
            else ("SQL query" if entry.get("query") else "SQL")
        )
    elif kind.lower() == "http":
        what = "HTTP endpoint"
        if entry.get("auth"):
            what += f" ({entry['auth']} auth)"
    else:
        what = f"{kind} file"
    where = entry.get("path") or entry.get("url")
    text = f"{what} {where}" if where else what
    if entry.get("connection"):
        text += f" through connection “{entry['connection']}”"
    credential = entry.get("credential")
    if credential:
        text += f", secret {credential['service']}/{credential['username']} in the keyring"
    return text


class ApprovalsDialog(QDialog):
    """The lifecycle of stored mapping `key`: versions, sign-offs, audit, and the steps."""

    #: A step was done (the lifecycle after it), on the GUI thread.
    changed = Signal(object)
    #: A step was refused or failed: the reason, on the GUI thread.
    refused = Signal(str)

    def __init__(self, service: Service, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvals_dialog")
        self.setWindowTitle(f"Approvals — {key}")
        self.service = service
        self.key = key
        self.busy = False
        self.versions: list[VersionLifecycle] = []
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.form = Form("approvals_dialog.ui")
        self._bind()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form.widget)
        self.resize(980, 640)
        self._connect()
        self.reload()

    def _bind(self) -> None:
        child = self.form.child
        self.title = child(QLabel, "approvals_title")
        self.enforced = child(QLabel, "approvals_enforced")
        self.version_table = child(QTableWidget, "approvals_versions")
        self.state = child(QLabel, "approvals_state")
        self.missing = child(QLabel, "approvals_missing")
        self.sign_offs = child(QTableWidget, "approvals_signoffs")
        self.security = child(QLabel, "approvals_security")
        self.audit = child(QTableWidget, "approvals_audit")
        self.comment = child(QLineEdit, "approvals_comment")
        self.role = child(QComboBox, "approvals_role")
        self.message = child(QLabel, "approvals_message")
        self.buttons = {name: child(QPushButton, name) for name in BUTTONS}
        self.close_box = child(QDialogButtonBox, "approvals_close")
        splitter = child(QSplitter, "approvals_splitter")
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        for role in ApprovalRole:
            self.role.addItem(role.label, role.value)

    def _connect(self) -> None:
        self.version_table.itemSelectionChanged.connect(self._show_selected)
        self.close_box.rejected.connect(self.reject)
        for name, action in BUTTONS.items():
            self.buttons[name].clicked.connect(lambda _c=False, a=action: self.do(a))

    # -- showing ----------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Read the versions and the audit trail again; select version `select` (or keep)."""
        chosen = select or (self.selected.version if self.selected else None)
        try:
            self.versions = self.service.approvals.versions(self.key)
            trail = self.service.approvals.audit(self.key)
            required = self.service.approvals.require_approval
        except ServiceError as exc:
            self._say(str(exc), "error")
            return
        active = next((v.version for v in self.versions if v.state is LifecycleState.ACTIVE), None)
        self.title.setText(f"{self.key}")
        schedules = (f"Schedules run version {active}." if active else "No version is active.") + (
            " Approval is required: schedules run only the active version."
            if required
            else " Approval is not required (Settings): schedules run the latest version."
        )
        self.enforced.setText(schedules)
        fill_table(
            self.version_table,
            ["Version", "State"],
            [[str(v.version), v.state.label] for v in self.versions],
        )
        self._fill_audit(trail)
        row = next((i for i, v in enumerate(self.versions) if v.version == chosen), 0)
        if self.versions:
            self.version_table.selectRow(row)
        self._show_selected()

    def _fill_audit(self, trail: list[AuditEntry]) -> None:
        rows = []
        for entry in trail:
            role = entry.details.get("role")
            action = entry.action.replace("_", " ")
            if isinstance(role, str):
                action += f" ({ApprovalRole(role).label})"
            version = str(entry.version) if entry.version is not None else ""
            rows.append([when(entry.at), entry.actor, action, version, entry.comment])
        fill_table(self.audit, ["When", "Who", "What", "Version", "Comment"], rows)

    @property
    def selected(self) -> VersionLifecycle | None:
        rows = self.version_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.versions):
            return None
        return self.versions[rows[0].row()]

    def _show_selected(self) -> None:
        lifecycle = self.selected
        if lifecycle is None:
            self.state.setText("No version selected")
            self.missing.clear()
            fill_table(self.sign_offs, ["Role", "Signed by", "When", "Comment"], [])
            self.security.clear()
            self._enable(None)
            return
        self.state.setText(f"Version {lifecycle.version}: {lifecycle.state.label}")
        roles = ", ".join(r.label for r in lifecycle.required_roles)
        missing = ", ".join(r.label for r in lifecycle.missing_roles)
        self.missing.setText(
            f"Needs: {roles}. Tests must pass with coverage ≥ "
            f"{lifecycle.coverage_threshold:.0%}."
            + (f" Waiting for: {missing}." if missing else " Every role has signed.")
        )
        rows = []
        for sign in lifecycle.sign_offs:
            comment = sign.comment
            if sign.details:
                results = f"tests {sign.details.get('passed')} passed, coverage " + (
                    f"{float(str(sign.details.get('coverage'))):.0%}"
                )
                comment = f"{comment} ({results})" if comment else results
            rows.append([sign.role.label, sign.signed_by, when(sign.signed_at), comment])
        fill_table(self.sign_offs, ["Role", "Signed by", "When", "Comment"], rows)
        try:
            summary = self.service.approvals.security_summary(self.key, lifecycle.version)
            self.security.setText(describe_security(summary))
        except ServiceError as exc:
            self.security.setText(str(exc))
        self._enable(lifecycle)

    def _enable(self, lifecycle: VersionLifecycle | None) -> None:
        for name, action in BUTTONS.items():
            allowed = lifecycle is not None and lifecycle.state in TRANSITIONS[action][0]
            if action == "approve" and lifecycle is not None:
                allowed = allowed and not lifecycle.missing_roles
            self.buttons[name].setEnabled(allowed and not self.busy)
        self.role.setEnabled(self.buttons["approvals_sign"].isEnabled())
        if lifecycle is not None and lifecycle.missing_roles:
            index = self.role.findData(lifecycle.missing_roles[0].value)
            self.role.setCurrentIndex(max(index, 0))

    def _say(self, text: str, role: str = "muted") -> None:
        self.message.setText(text)
        if self.message.property("role") != role:
            self.message.setProperty("role", role)
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)

    # -- doing ------------------------------------------------------------------------------

    def do(self, action: str) -> None:
        """Do `action` on the selected version with the typed comment, on a worker."""
        lifecycle = self.selected
        if lifecycle is None or self.busy:
            return
        approvals, key, version = self.service.approvals, self.key, lifecycle.version
        comment = self.comment.text().strip()
        role = str(self.role.currentData())
        steps: dict[str, Callable[[], VersionLifecycle]] = {
            "submit": lambda: approvals.submit_for_review(key, version, comment),
            "sign_off": lambda: approvals.sign_off(key, role, comment, version),
            "approve": lambda: approvals.approve(key, version, comment),
            "reject": lambda: approvals.reject(key, comment, version),
            "activate": lambda: approvals.activate(key, version, comment),
            "retire": lambda: approvals.retire(key, version, comment),
        }
        self.busy = True
        self._enable(lifecycle)
        testing = action == "sign_off" and role == ApprovalRole.TESTING_SIGNOFF.value
        self._say("Running the version's tests…" if testing else "Working…")
        self.pool.start(Task(version, steps[action], self.signals))

    def _done(self, version: int, lifecycle: object) -> None:
        self.busy = False
        assert isinstance(lifecycle, VersionLifecycle)
        self.comment.clear()
        self.reload(select=version)
        self._say(f"Version {version} is {lifecycle.state.label}.")
        self.changed.emit(lifecycle)

    def _failed(self, version: int, message: str) -> None:
        self.busy = False
        self.reload(select=version)
        self._say(message, "error")
        self.refused.emit(message)

    def done(self, result: int) -> None:
        self.pool.waitForDone()
        super().done(result)
