"""Values in pipeline steps: reading a path, ordering any JSON value, exact numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from fieldwright.engine.paths import PathError, parse_source

__all__ = [
    "Descending",
    "Getter",
    "exact",
    "getter",
    "identity",
    "join_key",
    "last_name",
    "order_key",
]

#: Reads one value from a record (None when it is missing).
Getter = Callable[[Any], Any]


def getter(path: str) -> Getter:
    """A getter for a JSONPath that selects one value; PathError otherwise."""
    compiled = parse_source(path)
    if not compiled.singular:
        raise PathError(path, "selects several values; a key or a field reads one value")
    return compiled.get


def last_name(path: str) -> str:
    """The output name of a path: its last member name (`$.shipping.country` → country)."""
    compiled = parse_source(path)
    names = [s for s in compiled.segments or () if isinstance(s, str)]
    if not names:
        raise PathError(path, "names no field; write a path such as $.country")
    return names[-1]


def order_key(value: Any) -> tuple[Any, ...]:
    """A key that orders every JSON value: null < booleans < numbers < text < the rest.

    Numbers of equal value are equal (1 and 1.0); lists and objects order by their
    canonical JSON text.
    """
    if value is None:
        return (0,)
    if value is True or value is False:
        return (1, value)
    if isinstance(value, int | float | Decimal):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def identity(values: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    """The identity of a key made of several values: equal when every value orders equal."""
    return tuple(order_key(v) for v in values)


def join_key(values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The key an enrich step matches on: values by their text, so that the number 1, 1.0
    and the text "1" (a CSV cell) are one key; None when a value is missing."""
    parts: list[Any] = []
    for value in values:
        if value is None:
            return None
        number = exact(value)
        if number is not None:
            parts.append(format(number.normalize(), "f"))
        elif isinstance(value, str):
            parts.append(value)
        else:
            parts.append(order_key(value))
    return tuple(parts)


class Descending:
    """Wraps an order key so that it orders the other way round."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __lt__(self, other: Descending) -> bool:
        return other.key < self.key

    def __gt__(self, other: Descending) -> bool:
        return other.key > self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __getstate__(self) -> tuple[Any, ...]:
        return self.key

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.key = state


def exact(value: Any) -> Decimal | None:
    """The exact decimal of a JSON number as written (0.1 is 0.1); None when not a number."""
    kind = type(value)  # the usual kinds first, then subclasses (bool is not a number)
    if kind is float:
        return Decimal(repr(value))
    if kind is int:
        return Decimal(value)
    if kind is Decimal:
        return cast(Decimal, value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return None
