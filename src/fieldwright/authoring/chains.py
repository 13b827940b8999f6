"""Named chains at design time: save a field's transform chain under a name, reuse it.

A document's `library` (`fieldwright.domain.chains`) holds named chains; a
step ``{"fn": "@name"}`` calls one. Saving a field's chain adds it to the
library and, unless asked not to, replaces the field's steps with one call of
it, so both are one undo step. Applying a chain to another field appends the
call to that field's steps.
"""

from __future__ import annotations

from fieldwright.authoring.edits import Batch, Edit, SetProperties, edit_mapping
from fieldwright.domain import MappingDocument, TransformStep
from fieldwright.domain.chains import CHAIN_NAME, LIBRARY_PREFIX, chain_called

__all__ = ["apply_chain", "chain_name_problem", "describe_chain", "save_chain"]


def chain_name_problem(document: MappingDocument, name: str) -> str | None:
    """Why `name` cannot name a new chain of `document`, or None when it can."""
    if not name:
        return "Give the chain a name."
    if not CHAIN_NAME.fullmatch(name):
        return (
            f"{name!r} is not a chain name: use letters, digits and _, "
            "not starting with a digit (e.g. clean_phone)."
        )
    if name in document.library:
        return f"The document already has a chain named {name!r}; choose another name."
    return None


def save_chain(
    document: MappingDocument, target: str, name: str, *, use_in_field: bool = True
) -> Edit:
    """An edit saving the steps of the field writing `target` as chain `name`.

    Raises ValueError for a name `chain_name_problem` refuses or a field without
    steps, KeyError when no field writes `target`.
    """
    problem = chain_name_problem(document, name)
    if problem is not None:
        raise ValueError(problem)
    mapping = document.field(target)
    if mapping is None:
        raise KeyError(f"no field mapping writes {target}")
    if not mapping.transforms:
        raise ValueError(f"{target} has no transform steps to save as a chain.")
    steps = [step.model_copy(deep=True) for step in mapping.transforms]
    library = {**document.library, name: steps}
    edits: list[Edit] = [SetProperties({"library": library})]
    if use_in_field:
        call = [TransformStep(fn=LIBRARY_PREFIX + name)]
        edits.append(edit_mapping(document, target, "", transforms=call))
    return Batch(f"Save chain {name} from {target}", edits)


def apply_chain(document: MappingDocument, target: str, name: str) -> Edit:
    """An edit appending a call of chain `name` to the steps of the field writing `target`."""
    if name not in document.library:
        known = ", ".join(sorted(document.library)) or "none"
        raise ValueError(f"no chain named {name!r} in this document (chains: {known})")
    mapping = document.field(target)
    if mapping is None:
        raise KeyError(f"no field mapping writes {target}")
    steps = [*mapping.transforms, TransformStep(fn=LIBRARY_PREFIX + name)]
    return edit_mapping(document, target, f"Use chain {name} in {target}", transforms=steps)


def describe_chain(document: MappingDocument, name: str) -> str:
    """One line: the chain's steps as `trim → upper → @other`, or why there is none."""
    steps = document.library.get(name)
    if steps is None:
        return f"no chain named {name!r} in this document"
    if not steps:
        return "(no steps)"
    return " → ".join(
        LIBRARY_PREFIX + called if (called := chain_called(step)) else step.fn for step in steps
    )
