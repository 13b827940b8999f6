"""A run's detail as the Runs page shows it: rich text whose parent and child runs are
`run:` links, in a link colour readable on the light and the dark theme."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from fieldwright.app.runs.models import duration_text, when_text
from fieldwright.service import RunDetail

__all__ = [
    "FOLDER_LINK",
    "detail_html",
    "endpoint_text",
    "folder_url",
    "link_color",
    "steps_html",
]

#: The scheme of the "Open folder" links of a run's source and output files.
FOLDER_LINK = "folder:"
_FILE_KINDS = frozenset({"csv", "tsv", "ndjson", "jsonl", "json", "xlsx", "excel"})


def link_color() -> str:
    """A link blue that stays readable on the light and the dark theme's background."""
    dark = QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return "#90caf9" if dark else "#1565c0"


def _file(described: Any) -> Path | None:
    if not isinstance(described, dict) or described.get("kind") not in _FILE_KINDS:
        return None
    settings = described.get("settings")
    path = settings.get("path") if isinstance(settings, dict) else None
    return Path(path) if isinstance(path, str) and path else None


def endpoint_text(described: Any) -> str | None:
    """Where a run read or wrote, in words: a file's full path, a table, a connection."""
    if not isinstance(described, dict):
        return None
    path = _file(described)
    if path is not None:
        return str(path)
    settings = described.get("settings")
    settings = settings if isinstance(settings, dict) else {}
    kind = str(described.get("kind", "?"))
    where = next(
        (str(settings[n]) for n in ("table", "query", "path") if isinstance(settings.get(n), str)),
        None,
    )
    if kind == "dead_letters":
        return f"the dead letters of run {described.get('run')}"
    parts = [f"{kind} table {where}" if kind == "sql" and where else where or kind]
    if described.get("connection"):
        parts.append(f"through connection {described['connection']}")
    return " ".join(parts)


def folder_url(link: QUrl) -> QUrl | None:
    """The folder a `folder:` link of the detail opens (as a local file URL)."""
    text = link.toString()
    if not text.startswith(FOLDER_LINK):
        return None
    return QUrl.fromLocalFile(QUrl.fromPercentEncoding(text[len(FOLDER_LINK) :].encode()))


def _where_row(described: Any, color: str, *, link: bool) -> str | None:
    text = endpoint_text(described)
    if text is None:
        return None
    shown = html.escape(text)
    path = _file(described)
    if path is None or not link:
        return shown
    target = FOLDER_LINK + bytes(QUrl.toPercentEncoding(str(path.parent)).data()).decode()
    return f'{shown} · <a href="{target}" style="color:{color}">Open folder</a>'


_STEP_COUNTS = (
    ("received", "in"),
    ("emitted", "out"),
    ("failed", "failed"),
    ("filtered", "filtered"),
    ("merged", "merged"),
    ("expanded", "expanded"),
)


def steps_html(details: dict[str, Any]) -> str | None:
    """A pipeline run's steps, one line each with its counts (those above 0 besides in and
    out); None for a mapping run."""
    steps = details.get("steps")
    if not isinstance(steps, list) or not steps:
        return None
    lines = []
    for step in steps:
        if not isinstance(step, dict):
            continue
        counts = [
            f"{label} {step[name]:,}"
            for name, label in _STEP_COUNTS
            if isinstance(step.get(name), int) and (step[name] or label in ("in", "out"))
        ]
        name, kind = html.escape(str(step.get("name", "?"))), html.escape(str(step.get("type")))
        lines.append(f"<b>{name}</b> ({kind}): {' · '.join(counts)}")
    return "<br>".join(lines)


def _records(counts: Any) -> str:
    text = (
        f"read {counts.read:,} · written {counts.written:,} · failed {counts.failed:,}"
        f" · filtered {counts.filtered:,}"
    )
    for name in ("skipped", "merged", "expanded"):
        value = getattr(counts, name, 0)
        if value:
            text += f" · {name} {value:,}"
    return text


def detail_html(detail: RunDetail) -> str:
    """The run's detail as rich text; parent and child runs are `run:` links."""
    record = detail.record
    counts = record.counts
    esc = html.escape
    color = link_color()

    def link(key: str) -> str:
        return f'<a href="run:{esc(key)}" style="color:{color}">{esc(key)}</a>'

    version = f" version {record.mapping_version}" if record.mapping_version else ""
    steps = steps_html(detail.details)
    what = "Pipeline" if "pipeline" in detail.details else "Mapping"
    rows = [
        ("Status", f"<b>{esc(record.status.value)}</b>"),
        (what, f"{esc(record.mapping_key)}{version}"),
        ("Trigger", esc(record.trigger.value)),
        ("Started", esc(when_text(record.started_at))),
        ("Ended", esc(when_text(record.ended_at)) or "—"),
        ("Duration", esc(duration_text(record)) or "—"),
        ("Records", _records(counts)),
        ("Dead letters", f"{record.dead_letter_count:,}"),
    ]
    if steps is not None:
        rows.append(("Steps", steps))
    # Where the records went and came from, right under the mapping: what one looks for.
    for label, side, folder in (("Source", "source", False), ("Output", "target", True)):
        where = _where_row(detail.details.get(side), color, link=folder)
        if where is not None:
            rows.insert(2, (label, where))
    if record.started_by:
        rows.append(("Started by", esc(record.started_by)))
    if record.schedule_key:
        rows.append(("Schedule", esc(record.schedule_key)))
    if detail.parent_key:
        rows.append(("Runs again", link(detail.parent_key)))
    if detail.child_keys:
        rows.append(("Run again by", ", ".join(link(key) for key in detail.child_keys)))
    if record.error_summary:
        rows.append(("Message", esc(record.error_summary).replace("\n", "<br>")))
    body = "".join(
        f"<tr><td style='padding-right:12px'><i>{label}</i></td><td>{value}</td></tr>"
        for label, value in rows
    )
    return f"<h3 style='margin:0'>{esc(record.key)}</h3><table>{body}</table>"
