"""Presence functions: tell a missing source path from one whose value is null.

A source path reads null both for ``{"a": null}`` and for ``{}``; these
functions look at the record itself (or, for a path starting with ``@``, at
the current item of a ``[*]`` target) and see the difference. See
`fieldwright.engine.presence` for what counts as missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    Param,
    StepContext,
    function,
)

if TYPE_CHECKING:
    from fieldwright.engine.presence import PathPresence

_PATH = Param(
    "path",
    ArgType.PATH,
    "a JSONPath of the record ($.a.b) or of the current item under a [*] target (@.qty; "
    "elsewhere there is no item, so such a path is always missing)",
)


def _present(context: StepContext, path: PathPresence) -> bool:
    if path.item:
        return context.scope is not None and path.test(context.scope.item)
    return path.test(context.record)


@function(
    "is_missing",
    Category.LOGIC,
    "Whether a path is absent from the record (not merely null).",
    returns="boolean",
    params=[_PATH],
    null_passthrough=False,
    context=True,
    examples=[
        Example(None, ("$.a",), True, record={}),
        Example(None, ("$.a",), False, record={"a": None}),
    ],
)
def is_missing(context: StepContext, value: Any, path: PathPresence) -> bool:
    """True when `path` selects nothing: the member is absent, the index is past
    the end, or a step leads into a value that is not an object or array. A
    member present with the value null is not missing (use `is_null` for that).
    The step's own value is not used."""
    return not _present(context, path)


@function(
    "is_present",
    Category.LOGIC,
    "Whether a path exists in the record, even with the value null.",
    returns="boolean",
    params=[_PATH],
    null_passthrough=False,
    context=True,
    examples=[
        Example(None, ("$.a",), True, record={"a": None}),
        Example(None, ("$.a.b",), False, record={"a": 1}),
    ],
)
def is_present(context: StepContext, value: Any, path: PathPresence) -> bool:
    """The opposite of `is_missing`: true when `path` selects a value, null included."""
    return _present(context, path)
