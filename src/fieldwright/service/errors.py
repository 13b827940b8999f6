"""The service layer's errors: one hierarchy, each message naming what failed and what to do.

Lower-level errors (documents, connectors, the store) are wrapped at this
boundary with ``raise … from exc``, so the GUI and the CLI catch one family.
"""

from __future__ import annotations

from collections.abc import Sequence

from fieldwright.domain import Problem

__all__ = ["DataError", "InvalidDocument", "ServiceError"]


class ServiceError(Exception):
    """Base of every error the service reports to a user."""


class InvalidDocument(ServiceError):
    """A mapping document cannot be used; `problems` lists each with its JSON pointer."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class DataError(ServiceError):
    """An input cannot be read or an output cannot be written; the message names the file."""
