"""The periodic check behind the app's notices: SLA breaches, versions awaiting my review,
and secrets or certificates that expire (issue 20, item 5).

A `QTimer` starts `check_now` every few minutes (the first shortly after the window
opens); the check asks the service on a worker thread (`find_notices`: the monitoring
summary's schedules, the review queue for this user, the connections' expiries) and
comes back as `Notice`s. Each notice has a key naming what it is about and its stage
(an expiry's 30/7/1 days or expired, a schedule's problem, a version in review), and
`NoticeWatch` emits only keys it has not shown before: a certificate warns once at 30
days, again at 7, at 1 and on expiry, never on every tick. Failed scheduled runs come
as service events instead (notifications.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from fieldwright.app.shell.workers import Task, TaskSignals
from fieldwright.domain.certificates import ExpiryKind, ExpiryStage
from fieldwright.service import Health, Window

if TYPE_CHECKING:
    from fieldwright.service import Service

__all__ = ["Notice", "NoticeKind", "NoticeWatch", "find_notices"]

#: How often the check runs, and how soon after the window opens it runs first.
CHECK_EVERY_MS = 5 * 60 * 1000
FIRST_CHECK_MS = 5_000


class NoticeKind(StrEnum):
    SLA = "sla"
    REVIEW = "review"
    EXPIRY = "expiry"


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell the analyst, and the page that shows it."""

    #: What it is about and its stage: shown once per key.
    key: str
    kind: NoticeKind
    text: str
    #: The page "Open" shows (Monitoring, Connections) or "Review queue".
    page: str
    #: What to select there (a connection's name, a schedule's key), if anything.
    target: str | None = None
    #: Failing (red) rather than a warning (amber).
    urgent: bool = False

    @property
    def title(self) -> str:
        return {
            NoticeKind.SLA: "A schedule broke its SLA",
            NoticeKind.REVIEW: "Versions await your review",
            NoticeKind.EXPIRY: "A credential expires",
        }[self.kind]


def _expiry_notices(service: Service, now: datetime) -> list[Notice]:
    notices = []
    for expiry in service.connections.expiries(now=now):
        if expiry.stage is ExpiryStage.OK:
            continue
        expired = expiry.stage is ExpiryStage.EXPIRED
        what = expiry.certificate or expiry.kind.value
        text = expiry.describe(now)
        notices.append(
            Notice(
                key=f"expiry:{expiry.connection}:{what}:{expiry.at.isoformat()}:{expiry.stage}",
                kind=NoticeKind.EXPIRY,
                text=text[:1].upper() + text[1:],
                page="Connections",
                target=expiry.connection,
                urgent=expired and expiry.kind is not ExpiryKind.ROTATION,
            )
        )
    return notices


def _sla_notices(service: Service) -> list[Notice]:
    summary = service.monitoring(Window.DAY)
    return [
        Notice(
            key=f"sla:{schedule.key}:{problem}",
            kind=NoticeKind.SLA,
            text=f"Schedule “{schedule.name}”: {problem}",
            page="Monitoring",
            target=schedule.key,
            urgent=schedule.health is Health.FAILING,
        )
        for schedule in summary.schedules
        if schedule.health is not Health.OK
        for problem in schedule.problems
    ]


def _review_notices(service: Service) -> list[Notice]:
    waiting = service.approvals.review_queue(service.user)
    if not waiting:
        return []
    versions = ", ".join(f"{item.mapping_name} v{item.version}" for item in waiting[:3])
    more = f" and {len(waiting) - 3} more" if len(waiting) > 3 else ""
    return [
        Notice(
            key="review:" + ",".join(f"{i.mapping_key}@{i.version}" for i in waiting),
            kind=NoticeKind.REVIEW,
            text=f"{len(waiting)} version(s) await your review: {versions}{more}",
            page="Review queue",
        )
    ]


def find_notices(service: Service, now: datetime | None = None) -> list[Notice]:
    """Everything worth a notice now (on a worker thread: it reads the store)."""
    moment = now or datetime.now(UTC)
    return _expiry_notices(service, moment) + _sla_notices(service) + _review_notices(service)


class NoticeWatch(QObject):
    """Checks for notices on a timer, off the GUI thread; emits each new one once."""

    #: A notice not shown before (a `Notice`), on the GUI thread.
    notice = Signal(object)
    #: A check finished (how many notices were new).
    checked = Signal(int)

    def __init__(self, service: Service, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        #: The keys already shown this session.
        self.shown: set[str] = set()
        self.generation = 0
        self.busy = False
        self.last_problem = ""
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.timer = QTimer(self)
        self.timer.setObjectName("notice_watch")
        self.timer.timeout.connect(self.check_now)
        self.first = QTimer(self)
        self.first.setObjectName("notice_watch_first")
        self.first.setSingleShot(True)
        self.first.timeout.connect(self.check_now)

    def start(self, *, first_ms: int = FIRST_CHECK_MS, every_ms: int = CHECK_EVERY_MS) -> None:
        self.timer.setInterval(every_ms)
        self.timer.start()
        self.first.start(first_ms)

    def check_now(self) -> None:
        """Start a check unless one is running (a slow store never piles them up)."""
        if self.busy or not self.timer.isActive():
            return
        self.busy = True
        self.generation += 1
        service = self.service
        self.pool.start(Task(self.generation, lambda: find_notices(service), self.signals))

    def _done(self, generation: int, result: object) -> None:
        self.busy = False
        if generation != self.generation or not isinstance(result, list):
            return
        fresh = [n for n in result if isinstance(n, Notice) and n.key not in self.shown]
        fresh.sort(key=lambda n: n.urgent)  # the bar ends on the most urgent one
        for notice in fresh:
            self.shown.add(notice.key)
            self.notice.emit(notice)
        self.checked.emit(len(fresh))

    def _failed(self, generation: int, message: str) -> None:
        self.busy = False
        self.last_problem = message  # the pages that need the store report it themselves
        if generation == self.generation:
            self.checked.emit(0)

    def stop(self) -> None:
        """Stop checking and wait for a check in flight (the window is closing)."""
        self.timer.stop()
        self.first.stop()
        self.generation += 1
        self.pool.waitForDone()
