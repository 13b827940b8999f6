"""The edit that sets where a side's records come from or go to: its connector. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass

from fieldwright.authoring.events import ConnectorChanged, Events, Side
from fieldwright.domain import ConnectorRef, MappingDocument

__all__ = ["SetConnector"]


@dataclass
class SetConnector:
    """Set (or, with None, clear) the source's or the target's connector."""

    side: Side
    connector: ConnectorRef | None
    _before: ConnectorRef | None = None

    @property
    def text(self) -> str:
        action = "Set" if self.connector is not None else "Clear"
        return f"{action} {self.side} endpoint"

    def apply(self, document: MappingDocument) -> Events:
        endpoint = getattr(document, self.side)
        self._before = endpoint.connector
        endpoint.connector = (
            self.connector.model_copy(deep=True) if self.connector is not None else None
        )
        return [ConnectorChanged(self.side)]

    def revert(self, document: MappingDocument) -> Events:
        getattr(document, self.side).connector = self._before
        return [ConnectorChanged(self.side)]
