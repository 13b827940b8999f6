"""Helpers for engine tests: a small registry of our own, documents, items and a memory sink."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fieldwright.domain import MappingDocument
from fieldwright.domain.records import Position, Record, SourceItem
from fieldwright.engine.functions import (
    ArgType,
    Category,
    Param,
    Registry,
    TransformError,
    function,
)


def make_registry() -> Registry:
    registry = Registry()

    @function("upper", Category.STRING, "Upper case.", registry=registry)
    def upper(value: Any) -> str:
        if not isinstance(value, str):
            raise TransformError(f"upper needs text, not {value!r}")
        return value.upper()

    @function(
        "add",
        Category.NUMBER,
        "Add a number.",
        params=[Param("amount", ArgType.NUMBER, "what to add")],
        registry=registry,
    )
    def add(value: Any, amount: float) -> float:
        return float(value) + amount

    @function(
        "join",
        Category.LIST,
        "Join values.",
        params=[Param("sep", ArgType.STRING, "separator", default=" ")],
        registry=registry,
    )
    def join(value: Any, sep: str) -> str:
        return sep.join(str(v) for v in value if v is not None)

    @function(
        "lookup",
        Category.LOOKUP,
        "Look a value up.",
        params=[
            Param("table", ArgType.LOOKUP, "lookup table"),
            Param("default", ArgType.ANY, "fallback", default=None),
        ],
        registry=registry,
    )
    def lookup(value: Any, table: dict[str, Any], default: Any) -> Any:
        return table.get(str(value), default)

    @function(
        "if_null",
        Category.LOGIC,
        "Fallback for null.",
        params=[Param("fallback", ArgType.ANY, "x")],
        null_passthrough=False,
        registry=registry,
    )
    def if_null(value: Any, fallback: Any) -> Any:
        return fallback if value is None else value

    return registry


def document(**fields: Any) -> MappingDocument:
    data: dict[str, Any] = {"fieldwright": 1, "key": "mapping_T_T_X_20250101", "name": "test"}
    data.update(fields)
    return MappingDocument.model_validate(data)


def items(records: Sequence[Record | None]) -> list[SourceItem]:
    return [
        SourceItem(
            Position(line=n + 1), r, None if r is not None else "bad line", None if r else "{oops"
        )
        for n, r in enumerate(records)
    ]


class MemorySink:
    """A real sink over a list: commit publishes the batches, abort drops them."""

    name = "memory"

    def __init__(self, fail_after: int | None = None) -> None:
        self.pending: list[Record] = []
        self.committed: list[Record] | None = None
        self.aborted = False
        self.fail_after = fail_after

    def write_batch(self, records: Sequence[Record]) -> None:
        if self.fail_after is not None and len(self.pending) + len(records) > self.fail_after:
            raise OSError("disk full")
        self.pending.extend(records)

    def commit(self) -> None:
        self.committed = list(self.pending)

    def abort(self) -> None:
        self.aborted = True
        self.pending = []
