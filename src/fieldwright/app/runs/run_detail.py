"""A run's detail as the Runs page shows it: rich text whose parent and child runs are
`run:` links, in a link colour readable on the light and the dark theme."""

from __future__ import annotations

import html

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from fieldwright.app.runs.models import duration_text, when_text
from fieldwright.service import RunDetail

__all__ = ["detail_html", "link_color"]


def link_color() -> str:
    """A link blue that stays readable on the light and the dark theme's background."""
    dark = QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return "#90caf9" if dark else "#1565c0"


def detail_html(detail: RunDetail) -> str:
    """The run's detail as rich text; parent and child runs are `run:` links."""
    record = detail.record
    counts = record.counts
    esc = html.escape
    color = link_color()

    def link(key: str) -> str:
        return f'<a href="run:{esc(key)}" style="color:{color}">{esc(key)}</a>'

    version = f" version {record.mapping_version}" if record.mapping_version else ""
    rows = [
        ("Status", f"<b>{esc(record.status.value)}</b>"),
        ("Mapping", f"{esc(record.mapping_key)}{version}"),
        ("Trigger", esc(record.trigger.value)),
        ("Started", esc(when_text(record.started_at))),
        ("Ended", esc(when_text(record.ended_at)) or "—"),
        ("Duration", esc(duration_text(record)) or "—"),
        (
            "Records",
            f"read {counts.read:,} · written {counts.written:,} · failed {counts.failed:,}"
            f" · filtered {counts.filtered:,}"
            + (f" · skipped {counts.skipped:,}" if counts.skipped else ""),
        ),
        ("Dead letters", f"{record.dead_letter_count:,}"),
    ]
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
