"""Load and save pipeline documents as canonical JSON, as mappings are (`canonical.py`).

The format version is `fieldwright_pipeline`; a file is a pipeline when that key
is there (`is_pipeline_data`), so one command can run a mapping or a pipeline.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import ValidationError

from fieldwright.domain._json_checks import nesting_problem
from fieldwright.domain.canonical import parse_json, problems_of, read_json, write_atomically
from fieldwright.domain.errors import DocumentError, Problem
from fieldwright.domain.pipeline import PIPELINE_FORMAT_VERSION, PipelineDocument

__all__ = [
    "VERSION_KEY",
    "dumps_pipeline",
    "is_pipeline_data",
    "load_pipeline",
    "loads_pipeline",
    "pipeline_from_data",
    "pipeline_to_data",
    "save_pipeline",
]

VERSION_KEY = "fieldwright_pipeline"
_STEP_TYPES = ("map", "filter", "validate", "unwind", "enrich", "aggregate", "sort", "dedupe")


def is_pipeline_data(data: Any) -> bool:
    """Whether parsed JSON claims to be a pipeline document."""
    return isinstance(data, dict) and VERSION_KEY in data


def pipeline_to_data(document: PipelineDocument) -> dict[str, Any]:
    """The document as plain JSON data, defaults left out (step types always kept)."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    for step, model in zip(data.get("steps", []), document.steps, strict=True):
        step_data = {"name": step.pop("name"), "type": model.type}
        step_data.update(step)
        step.clear()
        step.update(step_data)
    return data


def dumps_pipeline(document: PipelineDocument) -> str:
    """The canonical JSON text of a pipeline."""
    return json.dumps(pipeline_to_data(document), indent=2, ensure_ascii=False) + "\n"


def _format_version(data: dict[str, Any]) -> None:
    version = data.get(VERSION_KEY)
    where = "/" + VERSION_KEY
    if version is None:
        raise DocumentError([Problem(where, "missing format version; is this a pipeline?")])
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DocumentError(
            [Problem(where, f"format version must be a positive integer, not {version!r}")]
        )
    if version > PIPELINE_FORMAT_VERSION:
        raise DocumentError(
            [
                Problem(
                    where,
                    f"written by a newer Fieldwright (pipeline format {version}); this version "
                    f"reads formats up to {PIPELINE_FORMAT_VERSION}. Upgrade Fieldwright.",
                )
            ]
        )


def _step_pointer(problem: Problem, data: dict[str, Any]) -> Problem:
    """Pydantic names the union member in the location (`/steps/0/map/mapping`): drop it."""
    parts = problem.pointer.split("/")
    if len(parts) > 3 and parts[1] == "steps" and parts[2].isdigit():
        steps = data.get("steps")
        index = int(parts[2])
        step = steps[index] if isinstance(steps, list) and index < len(steps) else None
        if isinstance(step, dict) and parts[3] == step.get("type"):
            return Problem("/".join(parts[:3] + parts[4:]), problem.message)
    return problem


def pipeline_from_data(data: Any) -> PipelineDocument:
    """Validate plain JSON data as a pipeline document."""
    if not isinstance(data, dict):
        raise DocumentError([Problem("", "a pipeline document is a JSON object")])
    if (too_deep := nesting_problem(data)) is not None:
        raise DocumentError([too_deep])
    _format_version(data)
    try:
        return PipelineDocument.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error, problem in zip(exc.errors(), problems_of(exc), strict=True):
            if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                kinds = ", ".join(_STEP_TYPES)
                given = error.get("ctx", {}).get("tag")
                what = f"unknown step type {given!r}" if given else "a step needs its type"
                problem = Problem(problem.pointer + "/type", f"{what}; the types are {kinds}")
            problems.append(_step_pointer(problem, data))
        raise DocumentError(problems) from exc


def loads_pipeline(text: str | bytes, *, source: str | None = None) -> PipelineDocument:
    return parse_json(text, pipeline_from_data, source=source)


def load_pipeline(path: str | os.PathLike[str]) -> PipelineDocument:
    return read_json(path, pipeline_from_data)


def save_pipeline(document: PipelineDocument, path: str | os.PathLike[str]) -> None:
    write_atomically(dumps_pipeline(document), path)
