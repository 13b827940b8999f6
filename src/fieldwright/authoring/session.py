"""The open mapping without Qt: its document, where it lives, and who listens to changes.

Every change goes through `apply` or `revert` of an `Edit`; the session hands
the edit's change events to each listener, in the order they subscribed. The
Qt session (`fieldwright.app.documents.session`) adapts this to signals and an
undo stack; tests drive it as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from fieldwright.authoring.documents import Location
from fieldwright.authoring.edits import Edit
from fieldwright.authoring.events import DocumentReplaced, Events
from fieldwright.domain import MappingDocument

__all__ = ["DocumentState", "Listener"]

#: Called with the events of one change (an edit, its undo, a replaced document).
Listener = Callable[[Events], None]


class DocumentState:
    """A document being designed, its location, and the listeners to its changes."""

    def __init__(self, document: MappingDocument, location: Location | None) -> None:
        self.document = document
        self.location = location
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; returns the function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def apply(self, edit: Edit) -> Events:
        """Apply `edit` and tell the listeners; when it raises, nobody is told."""
        events = edit.apply(self.document)
        self._notify(events)
        return events

    def revert(self, edit: Edit) -> Events:
        """Undo `edit` (the last applied) and tell the listeners the inverse events."""
        events = edit.revert(self.document)
        self._notify(events)
        return events

    def replace(self, document: MappingDocument, location: Location | None) -> Events:
        self.document = document
        self.location = location
        events = [DocumentReplaced()]
        self._notify(events)
        return events

    def _notify(self, events: Events) -> None:
        for listener in list(self._listeners):
            listener(events)
