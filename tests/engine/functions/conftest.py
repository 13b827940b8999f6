"""Fixtures that call library functions the way the engine does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pytest

from fieldwright.engine.functions import REGISTRY, FunctionSpec, StepContext


def spec_of(name: str) -> FunctionSpec:
    spec = REGISTRY.get(name)
    assert spec is not None, f"{name} is not registered"
    return spec


def call(
    spec: FunctionSpec,
    value: Any,
    args: tuple[Any, ...],
    lookups: Mapping[str, Mapping[str, Any]],
    record: Mapping[str, Any],
) -> Any:
    """Prepare the arguments (they must be valid), honour null passthrough, call."""
    prepared, problems = spec.prepare(list(args), lookups)
    assert not problems, problems
    if value is None and spec.null_passthrough:
        return None
    if spec.context:
        return spec.impl(StepContext(record, lookups), value, *prepared)
    return spec.impl(value, *prepared)


class Run(Protocol):
    def __call__(
        self,
        name: str,
        value: Any,
        *args: Any,
        lookups: Mapping[str, Mapping[str, Any]] | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> Any: ...


class Problems(Protocol):
    def __call__(
        self, name: str, *args: Any, lookups: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[str]: ...


@pytest.fixture
def run() -> Run:
    def _run(
        name: str,
        value: Any,
        *args: Any,
        lookups: Mapping[str, Mapping[str, Any]] | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> Any:
        return call(spec_of(name), value, args, lookups or {}, record or {})

    return _run


@pytest.fixture
def problems() -> Problems:
    """The compile-time problems of a step's arguments, as messages."""

    def _problems(
        name: str, *args: Any, lookups: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[str]:
        return [message for _, message in spec_of(name).prepare(list(args), lookups or {})[1]]

    return _problems
