"""The service layer's errors: one hierarchy, each message naming what failed and what to do.

Lower-level errors (documents, connectors, the store) are wrapped at this
boundary with ``raise … from exc``, so the GUI and the CLI catch one family::

    ServiceError
    ├── InvalidDocument     a mapping document cannot be used (problems with JSON pointers)
    ├── DataError           an input cannot be read or an output cannot be written
    │   └── ConnectorProblem    a source or sink (file, SQL, HTTP) failed; `transient` says
    │       │                   whether trying again later may work
    │       └── CredentialProblem   a secret cannot be read or kept (no usable keyring,
    │                               nothing stored under that name)
    ├── NotFound            the mapping, version, run or schedule does not exist
    ├── SaveConflict        someone else saved first; who and when are attributes
    ├── InvalidRequest      what was asked cannot be done as given (bad key, bad schedule …)
    │   ├── InvalidSchedule     a cron expression or a schedule that cannot fire as written
    │   └── EndpointRefused     a run may not write there (the installed package, the examples)
    ├── StoreProblem        the database cannot be reached, is busy, damaged or out of date
    └── RunFailed           a run ended failed or cancelled (`RunResult.raise_for_status`)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from fieldwright.domain import Problem

if TYPE_CHECKING:
    from fieldwright.service._results import RunResult

__all__ = [
    "ConnectorProblem",
    "CredentialProblem",
    "DataError",
    "EndpointRefused",
    "InvalidDocument",
    "InvalidRequest",
    "InvalidSchedule",
    "NotFound",
    "RunFailed",
    "SaveConflict",
    "ServiceError",
    "StoreProblem",
]


class ServiceError(Exception):
    """Base of every error the service reports to a user."""


class InvalidDocument(ServiceError):
    """A mapping document cannot be used; `problems` lists each with its JSON pointer."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class DataError(ServiceError):
    """An input cannot be read or an output cannot be written; the message names the file."""


class ConnectorProblem(DataError):
    """A source or sink failed as a whole; `transient` when trying again may succeed."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class CredentialProblem(ConnectorProblem):
    """A secret cannot be read or kept: no usable keyring, or nothing stored under its name."""


class NotFound(ServiceError, LookupError):
    """The mapping, version, run or schedule asked for does not exist."""


class SaveConflict(ServiceError):
    """Nothing was saved because someone else saved first (or the key is taken).

    `saved_by`, `saved_at` and `latest_version` name the newer save when known.
    """

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        latest_version: int | None = None,
        saved_by: str | None = None,
        saved_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.latest_version = latest_version
        self.saved_by = saved_by
        self.saved_at = saved_at


class InvalidRequest(ServiceError, ValueError):
    """What was asked cannot be done as given; the message says what to change."""


class InvalidSchedule(InvalidRequest):
    """A cron expression or a schedule that cannot fire as written; the message says why."""


class EndpointRefused(InvalidRequest):
    """A run may not write to `path`: it lies in the installed package or the bundled
    examples, which an update replaces; the message says to choose another place."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class StoreProblem(ServiceError):
    """The database cannot be used right now: unreachable, busy, damaged or out of date."""


class RunFailed(ServiceError):
    """A run did not complete; `result` holds its key, status, counts and message."""

    def __init__(self, message: str, result: RunResult) -> None:
        super().__init__(message)
        self.result = result
