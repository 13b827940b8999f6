"""One process at a time fires schedules: a lock in the store.

- PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection held for the
  scheduler's life; the server drops it when the process (or its connection) dies. The
  lease row only tells others who holds it ("pid N on host H").
- SQLite: the lease row *is* the lock: taken when missing, expired or ours, renewed on
  every tick; another process takes over once it expires (the holder died or hung).

The advisory lock key is derived from the database and schema name, so separate stores
on one server (or test schemas) do not block each other.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import Connection

from fieldwright.store import Store, StoreError, StoreUnavailable
from fieldwright.store.schedules import LeaseHolder, ScheduleRepository

__all__ = ["AdvisoryLock", "LeaseLock", "LockStatus", "SchedulerLock", "lock_for"]

LEASE_NAME = "scheduler"
log = logging.getLogger("fieldwright.scheduler")


@dataclass(frozen=True, slots=True)
class LockStatus:
    held: bool
    holder: LeaseHolder | None

    @property
    def message(self) -> str:
        if self.held:
            return "this process fires the schedules"
        if self.holder is None:
            return "scheduler active in another process"
        holder = self.holder
        return f"scheduler active in another process (pid {holder.pid} on host {holder.host})"


class SchedulerLock(Protocol):
    def acquire(self, now: datetime) -> LockStatus:
        """Take or renew the lock; say who holds it. Raises StoreError when unreachable."""
        ...

    def release(self) -> None: ...


class _Identity:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.holder = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"


def _dead_here(holder: LeaseHolder, me: _Identity) -> bool:
    """Whether `holder` was a process of this host that no longer runs."""
    if holder.host != me.host or holder.pid == me.pid:
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class LeaseLock:
    """A lease row with an expiry (SQLite)."""

    def __init__(self, store: Store, *, ttl: float, name: str = LEASE_NAME) -> None:
        self._repo = ScheduleRepository(store)
        self._ttl = timedelta(seconds=ttl)
        self._name = name
        self._me = _Identity()

    def acquire(self, now: datetime) -> LockStatus:
        me = self._me
        holder = self._take(now, force=False)
        if holder.holder != me.holder and _dead_here(holder, me):
            # A process of this host that holds the lease no longer exists (kill -9):
            # waiting for its lease to expire would skip fire times as missed.
            log.warning(
                "taking over the scheduler lease of pid %s on %s: that process is gone",
                holder.pid,
                holder.host,
            )
            holder = self._take(now, force=True)
        return LockStatus(holder.holder == me.holder, holder)

    def _take(self, now: datetime, *, force: bool) -> LeaseHolder:
        me = self._me
        return self._repo.take_lease(
            self._name,
            holder=me.holder,
            pid=me.pid,
            host=me.host,
            now=now,
            expires_at=now + self._ttl,
            force=force,
        )

    def release(self) -> None:
        self._repo.release_lease(self._name, holder=self._me.holder)


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, store: Store, *, ttl: float, name: str = LEASE_NAME) -> None:
        self._store = store
        self._repo = ScheduleRepository(store)
        self._ttl = timedelta(seconds=ttl)
        self._name = name
        self._me = _Identity()
        self._connection: Connection | None = None
        self._key: int | None = None

    def _lock_key(self, connection: Connection) -> int:
        if self._key is None:
            row = connection.execute(text("SELECT current_database(), current_schema()")).one()
            digest = hashlib.sha256(f"fieldwright:{self._name}:{row[0]}:{row[1]}".encode())
            self._key = int.from_bytes(digest.digest()[:8], "big", signed=True)
        return self._key

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except sa_exc.SQLAlchemyError as exc:  # already broken: nothing left to release
                log.debug("closing the lock connection failed: %s", exc)
            self._connection = None

    def acquire(self, now: datetime) -> LockStatus:
        try:
            if self._connection is None:
                connection = self._store.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
                query = text("SELECT pg_try_advisory_lock(:key)")
                got = connection.execute(query, {"key": self._lock_key(connection)}).scalar()
                if not got:
                    connection.close()
                    return LockStatus(False, self._repo.lease(self._name))
                self._connection = connection
            else:  # still connected, so still holding it?
                self._connection.execute(text("SELECT 1"))
        except sa_exc.SQLAlchemyError as exc:
            self._drop_connection()
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreUnavailable(f"cannot reach {self._store.location}: {detail}") from exc
        me = self._me
        holder = self._repo.take_lease(
            self._name,
            holder=me.holder,
            pid=me.pid,
            host=me.host,
            now=now,
            expires_at=now + self._ttl,
            force=True,
        )
        return LockStatus(True, holder)

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._repo.release_lease(self._name, holder=self._me.holder)
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._connection.close()
        except (sa_exc.SQLAlchemyError, StoreError) as exc:  # the server dropped it with us
            log.warning("releasing the scheduler lock: %s", exc)
            self._drop_connection()
        self._connection = None


def lock_for(store: Store, *, ttl: float) -> SchedulerLock:
    """The lock that suits the store's database."""
    if store.engine.dialect.name == "postgresql":
        return AdvisoryLock(store, ttl=ttl)
    return LeaseLock(store, ttl=ttl)
