"""The function library: named, documented, pure transform functions by category.

Importing this package registers every built-in function in `REGISTRY`.
"""

from __future__ import annotations

from fieldwright.engine.functions import (  # noqa: F401  (imported to register their functions)
    dates,
    datetimes,
    lists,
    logic,
    lookups,
    masking,
    numbers,
    presence,
    strings,
    text_formats,
)
from fieldwright.engine.functions.registry import (
    MAX_DECIMALS,
    MAX_SIZE,
    REGISTRY,
    REQUIRED,
    ArgHint,
    ArgType,
    Category,
    Example,
    FunctionSpec,
    NullBehaviour,
    Param,
    Registry,
    StepContext,
    TransformError,
    function,
)

__all__ = [
    "MAX_DECIMALS",
    "MAX_SIZE",
    "REGISTRY",
    "REQUIRED",
    "ArgHint",
    "ArgType",
    "Category",
    "Example",
    "FunctionSpec",
    "NullBehaviour",
    "Param",
    "Registry",
    "StepContext",
    "TransformError",
    "function",
]
