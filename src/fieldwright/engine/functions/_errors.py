"""The error a library function raises for a value it cannot transform."""

from __future__ import annotations

__all__ = ["TransformError"]


class TransformError(ValueError):
    """A function could not transform a value; the message says why, for the analyst."""
