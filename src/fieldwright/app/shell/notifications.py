"""Telling the analyst what needs them: a notice bar in the window and a desktop
notification, for failed scheduled runs and for the periodic check's notices (SLA
breaches, versions awaiting my review, expiring secrets and certificates:
notice_watch.py), each opening the page that shows it.

A schedule with "notify on failure" whose run fails in this process's background
scheduler (a `ScheduleFired` with `needs_notice`) raises:

- an in-app notice: a bar above the pages naming the schedule and the reason, whose
  "Open run" shows the run's detail in the Runs page (a fire that failed before a run
  began, such as a deleted mapping, opens the schedule instead);
- a desktop notification: a message from the system tray icon where the desktop has a
  tray (`QSystemTrayIcon.isSystemTrayAvailable()`); clicking it opens the run too.
  Without a tray (some Linux desktops, the offscreen platform) there is no desktop
  message: the window's taskbar entry asks for attention (`QApplication.alert`) and the
  notice bar stays until dismissed.

A notice of the periodic check (`Notice`) shows the same way, red when something is
failing (an expired certificate, a broken SLA), amber for a warning; its "Open"
emits `openNotice` and the window shows the notice's page (Connections with the
connection selected, Monitoring, the Review queue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QSystemTrayIcon,
    QWidget,
)

from fieldwright.app.shell.notice_watch import Notice

if TYPE_CHECKING:
    from fieldwright.service import ScheduleFired

__all__ = ["FailureNotifier", "NoticeBar", "notice_text"]

#: Readable on both themes: white on a dark red (failing) or a dark amber (a warning).
_BAR_STYLE = (
    "QFrame#failure_notice { background: %s; border-radius: 4px; }"
    "QFrame#failure_notice QLabel { color: white; }"
)
_URGENT, _WARNING = "#8c1d18", "#7a4e00"


def notice_text(event: ScheduleFired, earlier: int = 0) -> str:
    """'Scheduled run of “Nightly” failed (attempt 2): reason' and how many failed before."""
    attempt = f" (attempt {event.attempt})" if event.attempt > 1 else ""
    reason = f": {event.message}" if event.message else ""
    text = f"Scheduled run of “{event.schedule_name}” failed{attempt}{reason}"
    if earlier:
        text += f" · {earlier} earlier failure{'s' if earlier != 1 else ''}"
    return text


class NoticeBar(QFrame):
    """The latest failure of a schedule that asks to be told, until opened or dismissed."""

    #: Show this run's detail (its key).
    openRun = Signal(str)
    #: Show this schedule (a fire that failed before its run began).
    openSchedule = Signal(str)
    #: Show the page of this `Notice`.
    openNotice = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("failure_notice")
        self.setStyleSheet(_BAR_STYLE % _URGENT)
        self.failures: list[ScheduleFired] = []
        #: Notices of the periodic check since the bar was last dismissed, latest last.
        self.notices: list[Notice] = []
        #: What the bar shows: the latest failure or notice.
        self.showing: ScheduleFired | Notice | None = None
        self.label = QLabel()
        self.label.setObjectName("failure_notice_text")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setMinimumWidth(120)  # a long notice is cut (its tooltip has it all)
        self.open_button = QPushButton("Open run")
        self.open_button.setObjectName("failure_notice_open")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setObjectName("failure_notice_dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        self.icon = QLabel()
        self._set_icon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.dismiss_button)
        self.open_button.clicked.connect(self.open_latest)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.hide()

    def _set_icon(self, pixmap: QStyle.StandardPixmap) -> None:
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(18, 18))

    @property
    def latest(self) -> ScheduleFired | None:
        return self.failures[-1] if self.failures else None

    def add(self, event: ScheduleFired) -> None:
        self.failures.append(event)
        self.showing = event
        text = notice_text(event, len(self.failures) - 1)
        self.label.setText(text)
        self.label.setToolTip(text)
        self.open_button.setText("Open run" if event.run_key else "Open schedule")
        self.setStyleSheet(_BAR_STYLE % _URGENT)
        self._set_icon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        self.show()

    def add_notice(self, notice: Notice) -> None:
        """Show a notice of the periodic check (the latest one; earlier ones are counted)."""
        self.notices.append(notice)
        self.showing = notice
        earlier = len(self.notices) + len(self.failures) - 1
        text = notice.text + (f" · {earlier} more notice(s)" if earlier else "")
        self.label.setText(text)
        self.label.setToolTip(
            "\n".join(n.text for n in self.notices[-10:]) if len(self.notices) > 1 else text
        )
        self.open_button.setText(f"Open {notice.page}")
        self.setStyleSheet(_BAR_STYLE % (_URGENT if notice.urgent else _WARNING))
        self._set_icon(
            QStyle.StandardPixmap.SP_MessageBoxCritical
            if notice.urgent
            else QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        self.show()

    def open_latest(self) -> None:
        shown = self.showing
        self.dismiss()
        if isinstance(shown, Notice):
            self.openNotice.emit(shown)
            return
        event = shown
        if event is None:
            return
        if event.run_key is not None:
            self.openRun.emit(event.run_key)
        else:
            self.openSchedule.emit(event.schedule_key)

    def dismiss(self) -> None:
        self.failures.clear()
        self.notices.clear()
        self.showing = None
        self.hide()


class FailureNotifier(QObject):
    """Raises the notice bar and the desktop notification for failures that ask for them."""

    def __init__(self, bar: NoticeBar, window: QWidget) -> None:
        super().__init__(window)
        self.bar = bar
        self.window = window
        #: The tray icon that carries desktop messages (None: no tray, or nothing failed yet).
        self.tray: QSystemTrayIcon | None = None

    @staticmethod
    def desktop_available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def schedule_fired(self, event: ScheduleFired) -> None:
        if not event.needs_notice:
            return
        self.bar.add(event)
        if self.desktop_available():
            self._tray().showMessage(
                "Fieldwright: a scheduled run failed",
                notice_text(event),
                QSystemTrayIcon.MessageIcon.Critical,
                15_000,
            )
        else:
            QApplication.alert(self.window)

    def notify(self, notice: Notice) -> None:
        """A notice of the periodic check: the bar, and a desktop message where there is one."""
        self.bar.add_notice(notice)
        if self.desktop_available():
            self._tray().showMessage(
                f"Fieldwright: {notice.title.lower()}",
                notice.text,
                QSystemTrayIcon.MessageIcon.Critical
                if notice.urgent
                else QSystemTrayIcon.MessageIcon.Warning,
                15_000,
            )
        else:
            QApplication.alert(self.window)

    def _tray(self) -> QSystemTrayIcon:
        if self.tray is None:
            icon = self.window.windowIcon()
            if icon.isNull():
                icon = self.window.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("Fieldwright")
            self.tray.messageClicked.connect(self.bar.open_latest)
            self.tray.show()
        return self.tray

    def close(self) -> None:
        """Take the tray icon away (the window is closing)."""
        if self.tray is not None:
            self.tray.hide()
