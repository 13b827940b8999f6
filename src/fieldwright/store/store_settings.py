"""Settings of the whole store, shared by everyone who uses it (not one user's app settings),
such as ``require_approval``; each change is in the audit trail."""

from __future__ import annotations

from typing import Any

from fieldwright.store._util import clean
from fieldwright.store.models import AuditRow, StoreSetting
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["STORE_SUBJECT", "StoreSettings"]

#: The audit trail's subject for changes to the store's own settings.
STORE_SUBJECT = "(store settings)"


class StoreSettings:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, name: str, default: Any = None) -> Any:
        """The value of setting `name`, or `default` when it was never set."""
        with self._store.session() as session:
            row = session.get(StoreSetting, name)
            return default if row is None else row.value

    def set(self, name: str, value: Any) -> None:
        """Set `name` to `value` (JSON), and say who did in the audit trail."""
        now, user = utcnow(), self._store.user
        with self._store.session(write=True) as session:
            row = session.get(StoreSetting, name)
            if row is None:
                session.add(StoreSetting(name=name, value=value, updated_at=now, updated_by=user))
            else:
                row.value, row.updated_at, row.updated_by = value, now, user
            session.add(
                AuditRow(
                    mapping_key=STORE_SUBJECT,
                    version=None,
                    action="setting",
                    actor=user,
                    at=now,
                    comment="",
                    details=clean({name: value}),
                )
            )
