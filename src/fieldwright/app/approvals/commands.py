"""What the Mapping menu's Approvals… and Review queue… entries open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from fieldwright.app.approvals.lifecycle_dialog import ApprovalsDialog
from fieldwright.app.documents.session import DocumentSession
from fieldwright.authoring.documents import StoredMapping
from fieldwright.service import Service, ServiceError

__all__ = ["open_mapping_approvals", "review_reminder"]


def open_mapping_approvals(
    service: Service, session: DocumentSession, parent: QWidget, say: Callable[[str], object]
) -> ApprovalsDialog | None:
    """The lifecycle of the open mapping, when it is in the store; else say to store it."""
    location = session.location
    if not isinstance(location, StoredMapping):
        say("Save the mapping to the store first: versions in the store are reviewed.")
        return None
    dialog = ApprovalsDialog(service, location.key, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.reload(select=location.version)
    dialog.open()
    return dialog


def review_reminder(service: Service) -> str | None:
    """What to tell the user on start when versions wait for their sign-off; None if none."""
    try:
        waiting = service.approvals.review_queue(service.user)
    except ServiceError:  # the store's own problems are reported where they block work
        return None
    if not waiting:
        return None
    count = len(waiting)
    versions = "version waits" if count == 1 else "versions wait"
    return f"{count} mapping {versions} for your review: Mapping → Review queue…"
