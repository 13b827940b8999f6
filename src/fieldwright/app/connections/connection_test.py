"""A connection test: reaching a saved connection, timed, and its answer in words.

`timed_test` runs on the Connections page's worker thread (no widget here); the page
shows the `TestOutcome` under the editor (`outcome_html`) and in its list.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldwright.app.shell.theme import Theme
    from fieldwright.service import ConnectionCheck, Service

__all__ = ["TestOutcome", "keyring_help_html", "outcome_html", "timed_test"]


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """A connection test's answer, how long it took and when it ran."""

    __test__ = False  # not a pytest class

    name: str
    ok: bool
    message: str
    seconds: float
    at: datetime

    @property
    def short(self) -> str:
        return f"{'✓ ok' if self.ok else '✗ failed'} · {self.seconds:.2f} s · {self.at:%H:%M}"


def timed_test(service: Service, name: str) -> TestOutcome:
    started = time.perf_counter()
    check: ConnectionCheck = service.connections.test(name)
    return TestOutcome(name, check.ok, check.message, time.perf_counter() - started, datetime.now())


def outcome_html(outcome: TestOutcome, theme: Theme) -> str:
    """The answer shown under the editor: connected or not, how long it took, the message."""
    color = theme.valid if outcome.ok else theme.error
    head = "Connected" if outcome.ok else "Connection failed"
    return (
        f"<b style='color:{color}'>{'✓' if outcome.ok else '✗'} {head}</b>"
        f" <span style='color:{theme.muted}'>in {outcome.seconds:.2f} s, "
        f"at {outcome.at:%H:%M:%S}</span><br>{html.escape(outcome.message)}"
    )


def keyring_help_html(details: str) -> str:
    """The no-keyring banner's text: what cannot be saved and how to fix it."""
    return (
        "<b>No keyring available — passwords and tokens cannot be saved.</b><br>"
        "Install and unlock a Secret Service keyring (GNOME Keyring or KWallet) in your "
        "desktop session, or set the PYTHON_KEYRING_BACKEND environment variable to a "
        "keyring backend, then restart Fieldwright. Connections without secrets (files, "
        "a SQLite database, an open API) still work.<br>"
        f"<span style='font-size:small'>Details: {html.escape(details)}</span>"
    )
