"""Where a value is being mapped: the record and, under ``[*]`` targets, the item.

A field mapping whose target lies under ``[*]`` maps each item of a source
array in turn. Its sources, expressions and context functions see the
record (``$``) and the current item (``@``), its position, and for nested
arrays (orders → lines → taxes) the enclosing item through `parent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ItemScope"]


@dataclass(frozen=True, slots=True)
class ItemScope:
    """The current item of the innermost array being mapped item by item."""

    #: The item itself (any JSON value; null items are passed as None).
    item: Any
    #: Its position in its array, from 0 (line numbers from 1 are `index + 1`).
    index: int
    #: The enclosing item, for an array inside an array; None at the first level.
    parent: ItemScope | None = None

    @property
    def number(self) -> int:
        """The position from 1, as line numbers are written."""
        return self.index + 1
