"""Load and save pipeline documents as canonical JSON, as mappings are (`canonical.py`).

The format version is `fieldwright_pipeline`; a file is a pipeline when that key
is there (`is_pipeline_data`), so one command can run a mapping or a pipeline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from fieldwright.domain._json_checks import nesting_problem
from fieldwright.domain.canonical import parse_json, problems_of, read_json, write_atomically
from fieldwright.domain.errors import DocumentError, Problem
from fieldwright.domain.pipeline import (
    PIPELINE_FORMAT_VERSION,
    PipelineDocument,
    PipelineStep,
    RouteStep,
)

__all__ = [
    "VERSION_KEY",
    "PipelineError",
    "dumps_pipeline",
    "is_pipeline_data",
    "load_pipeline",
    "loads_pipeline",
    "pipeline_from_data",
    "pipeline_to_data",
    "save_pipeline",
    "step_problems",
    "typed_steps",
]

VERSION_KEY = "fieldwright_pipeline"


class PipelineError(DocumentError):
    """A pipeline document that cannot be used, with every problem found in it."""

    noun = "pipeline document"


_STEP_TYPES = (
    "map",
    "filter",
    "validate",
    "unwind",
    "enrich",
    "aggregate",
    "sort",
    "dedupe",
    "route",
)


def is_pipeline_data(data: Any) -> bool:
    """Whether parsed JSON claims to be a pipeline document."""
    return isinstance(data, dict) and VERSION_KEY in data


def pipeline_to_data(document: PipelineDocument) -> dict[str, Any]:
    """The document as plain JSON data, defaults left out (step types always kept)."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    typed_steps(data.get("steps", []), document.steps)
    return data


def typed_steps(steps: list[dict[str, Any]], models: Sequence[PipelineStep]) -> None:
    """Every step with its name, then its type (a default, yet always written), then the rest;
    the steps of a route's branches too."""
    for step, model in zip(steps, models, strict=True):
        ordered = {"name": step.pop("name"), "type": model.type, **step}
        step.clear()
        step.update(ordered)
        if isinstance(model, RouteStep):
            for branch, branch_model in zip(step["branches"], model.branches, strict=True):
                typed_steps(branch.get("steps", []), branch_model.steps)


def dumps_pipeline(document: PipelineDocument) -> str:
    """The canonical JSON text of a pipeline."""
    return json.dumps(pipeline_to_data(document), indent=2, ensure_ascii=False) + "\n"


def _format_version(data: dict[str, Any]) -> None:
    version = data.get(VERSION_KEY)
    where = "/" + VERSION_KEY
    if version is None:
        raise PipelineError([Problem(where, "missing format version; is this a pipeline?")])
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PipelineError(
            [Problem(where, f"format version must be a positive integer, not {version!r}")]
        )
    if version > PIPELINE_FORMAT_VERSION:
        raise PipelineError(
            [
                Problem(
                    where,
                    f"written by a newer Fieldwright (pipeline format {version}); this version "
                    f"reads formats up to {PIPELINE_FORMAT_VERSION}. Upgrade Fieldwright.",
                )
            ]
        )


def _step_pointer(problem: Problem, data: dict[str, Any]) -> Problem | None:
    """Pydantic names the union member in the location (`/steps/0/map/mapping`, a map
    step's `mapping/str` or `mapping/function-after[…]`): drop it, and the problems of
    the member the value is not (a mapping given inline is not a path)."""
    parts = problem.pointer.split("/")
    if len(parts) > 3 and parts[1] == "steps" and parts[2].isdigit():
        steps = data.get("steps")
        index = int(parts[2])
        step = steps[index] if isinstance(steps, list) and index < len(steps) else None
        if isinstance(step, dict) and parts[3] == step.get("type"):
            parts = parts[:3] + parts[4:]
    if len(parts) > 4 and parts[3] == "mapping":
        member = parts[4]
        if member == "str":
            if _inline_mapping(data, parts):
                return None
            return Problem(
                "/".join(parts[:4]),
                "a map step's mapping is a mapping document or the path of a mapping file",
            )
        if member.startswith("function-after["):
            if not _inline_mapping(data, parts):
                return None
            parts = parts[:4] + parts[5:]
    return Problem("/".join(parts), problem.message)


def _inline_mapping(data: dict[str, Any], parts: list[str]) -> bool:
    steps = data.get("steps")
    index = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else -1
    if not isinstance(steps, list) or not 0 <= index < len(steps):
        return False
    step = steps[index]
    return isinstance(step, dict) and isinstance(step.get("mapping"), dict)


def pipeline_from_data(data: Any) -> PipelineDocument:
    """Validate plain JSON data as a pipeline document."""
    if not isinstance(data, dict):
        raise PipelineError([Problem("", "a pipeline document is a JSON object")])
    if (too_deep := nesting_problem(data)) is not None:
        raise PipelineError([too_deep])
    _format_version(data)
    try:
        return PipelineDocument.model_validate(data)
    except ValidationError as exc:
        raise PipelineError(step_problems(exc, data)) from exc


def step_problems(exc: ValidationError, data: dict[str, Any], *, under: str = "") -> list[Problem]:
    """The problems of a failed validation with steps' pointers tidied (the union member
    pydantic names dropped, an unknown step type said plainly). `under` is where the
    pipeline lies in `data` (a template's `/pipeline`); other problems are kept as they are."""
    body = data
    if under:
        found = data.get(under.strip("/"))
        body = found if isinstance(found, dict) else {}
    problems: list[Problem] = []
    for error, problem in zip(exc.errors(), problems_of(exc), strict=True):
        if not problem.pointer.startswith(under + "/") and under:
            kept: Problem | None = problem
        else:
            problem = Problem(problem.pointer.removeprefix(under), problem.message)
            if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                kinds = ", ".join(_STEP_TYPES)
                given = error.get("ctx", {}).get("tag")
                what = f"unknown step type {given!r}" if given else "a step needs its type"
                problem = Problem(problem.pointer + "/type", f"{what}; the types are {kinds}")
            kept = _step_pointer(problem, body)
            if kept is not None:
                kept = Problem(under + kept.pointer, kept.message)
        if kept is not None and kept not in problems:
            problems.append(kept)
    return problems


def loads_pipeline(text: str | bytes, *, source: str | None = None) -> PipelineDocument:
    return parse_json(text, pipeline_from_data, source=source)


def load_pipeline(path: str | os.PathLike[str]) -> PipelineDocument:
    return read_json(path, pipeline_from_data)


def save_pipeline(document: PipelineDocument, path: str | os.PathLike[str]) -> None:
    write_atomically(dumps_pipeline(document), path)
