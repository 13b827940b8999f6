"""Named transformation chains: a document's `library`, and steps that call them.

Mapping documents and templates alike carry a `library` of named chains of
transform steps, e.g. ``{"clean_phone": [{"fn": "digits_only"}, ...]}``. A
step ``{"fn": "@clean_phone"}`` (no arguments) stands for that chain; a chain
may call other chains. Expanding a list of steps inlines every call and keeps,
for each inlined step, the JSON pointer of the step as written (in the field,
or in the library), so a problem the engine finds in an expanded step points
where the analyst can fix it. An unknown chain name, arguments on a call, or a
chain that calls itself (directly or through others) is a problem at the
calling step's pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from fieldwright.domain.errors import Problem, pointer

if TYPE_CHECKING:  # document.py imports this module for its `library` check
    from fieldwright.domain.document import FieldMapping, TransformStep

__all__ = [
    "CHAIN_NAME",
    "LIBRARY_PREFIX",
    "Library",
    "PlacedStep",
    "chain_called",
    "check_library",
    "check_library_names",
    "expand_fields",
    "expand_steps",
]

#: A transform step whose `fn` starts with this calls a chain of the document's library.
LIBRARY_PREFIX: Final = "@"
#: What a chain name may be: a plain identifier.
CHAIN_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Library = Mapping[str, Sequence["TransformStep"]]
Where = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PlacedStep:
    """An expanded step and where it is written (as pointer parts)."""

    step: TransformStep
    at: Where


def chain_called(step: TransformStep) -> str | None:
    """The chain name a step calls (``@name``), or None for a function step."""
    return step.fn[len(LIBRARY_PREFIX) :] if step.fn.startswith(LIBRARY_PREFIX) else None


def check_library_names(library: dict[str, list[TransformStep]]) -> dict[str, list[TransformStep]]:
    """A pydantic validator's check: every chain name is a plain identifier."""
    for name in library:
        if not CHAIN_NAME.fullmatch(name):
            raise ValueError(
                f"library chain name {name!r} must be a plain identifier "
                "(letters, digits and _, not starting with a digit)"
            )
    return library


def expand_steps(
    steps: Sequence[TransformStep],
    library: Library,
    at: Where,
    start: int = 0,
    calling: tuple[str, ...] = (),
) -> tuple[list[PlacedStep], list[Problem]]:
    """`steps`, written at `at` + their index (from `start`), with every chain call
    inlined; `calling` names the chains `steps` are inside of (for recursion)."""
    placed: list[PlacedStep] = []
    problems: list[Problem] = []
    _expand(steps, library, at, calling, placed, problems, start)
    return placed, problems


def _expand(
    steps: Sequence[TransformStep],
    library: Library,
    at: Where,
    calling: tuple[str, ...],
    placed: list[PlacedStep],
    problems: list[Problem],
    start: int = 0,
) -> None:
    for position, step in enumerate(steps, start):
        where = (*at, position)
        name = chain_called(step)
        if name is None:
            placed.append(PlacedStep(step, where))
            continue
        chain = library.get(name)
        if chain is None:
            known = ", ".join(sorted(library)) or "none"
            problems.append(
                Problem(pointer(*where, "fn"), f"no library chain {name!r} (known: {known})")
            )
            continue
        if step.args:
            problems.append(
                Problem(
                    pointer(*where, "args"), f"a call of library chain {name!r} takes no arguments"
                )
            )
        if name in calling:
            cycle = " → ".join((*calling[calling.index(name) :], name))
            problems.append(
                Problem(pointer(*where, "fn"), f"library chain {name!r} calls itself ({cycle})")
            )
            continue
        _expand(chain, library, ("library", name), (*calling, name), placed, problems)


def check_library(library: Library) -> list[Problem]:
    """The problems of the chains themselves, at their pointers (each reported once)."""
    problems: list[Problem] = []
    for name, chain in library.items():
        _placed, found = expand_steps(chain, library, ("library", name), calling=(name,))
        problems.extend(found)
    return _unique(problems)


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    kept: list[Problem] = []
    for problem in problems:
        key = (problem.pointer, problem.message)
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept


def expand_fields(
    fields: Sequence[FieldMapping], library: Library
) -> tuple[list[FieldMapping], dict[tuple[int, int], str], list[Problem]]:
    """Every field with its chain calls inlined; for each (field index, expanded step
    index) the pointer of the step as written; and every problem (each once).

    A problem inside a chain a field calls is reported at the field's calling step
    too (naming where it lies), so the field is marked as well as the chain.
    """
    origins: dict[tuple[int, int], str] = {}
    expanded: list[FieldMapping] = []
    problems: list[Problem] = []
    for index, mapping in enumerate(fields):
        at: Where = ("fields", index, "transforms")
        if not any(chain_called(step) is not None for step in mapping.transforms):
            for position in range(len(mapping.transforms)):
                origins[(index, position)] = pointer(*at, position)
            expanded.append(mapping)
            continue
        steps: list[TransformStep] = []
        for position, step in enumerate(mapping.transforms):
            placed, found = expand_steps([step], library, at, position)
            problems.extend(_at_call(found, pointer(*at, position), step))
            for item in placed:
                origins[(index, len(steps))] = pointer(*item.at)
                steps.append(item.step)
        expanded.append(mapping.model_copy(update={"transforms": steps}))
    return expanded, origins, _unique(problems)


def _at_call(found: list[Problem], call: str, step: TransformStep) -> list[Problem]:
    """`found`, with each problem that lies in the library also reported at `call`."""
    problems: list[Problem] = []
    for problem in found:
        problems.append(problem)
        if not problem.pointer.startswith(call + "/"):
            problems.append(
                Problem(
                    call + "/fn",
                    f"library chain {chain_called(step)!r} cannot be used: "
                    f"{problem.message} (at {problem.pointer})",
                )
            )
    return problems
