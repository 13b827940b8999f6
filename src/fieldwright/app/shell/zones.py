"""Time zones as the app offers them: the IANA names, this machine's zone, a searchable combo."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QTimeZone
from PySide6.QtWidgets import QComboBox, QCompleter

__all__ = ["local_zone_name", "setup_zone_combo", "zone_names"]


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA time zones this Python knows, sorted."""
    return tuple(sorted(available_timezones()))


def local_zone_name() -> str:
    """The IANA name of this computer's zone (UTC when it cannot be told)."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode(errors="replace")
    return name if name in zone_names() else "UTC"


def setup_zone_combo(combo: QComboBox, current: str) -> None:
    """An editable combo of every zone, searchable by any part of the name."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.setMaxVisibleItems(20)
    combo.addItems(list(zone_names()))
    completer = QCompleter(list(zone_names()), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    combo.setCompleter(completer)
    combo.setCurrentText(current)
