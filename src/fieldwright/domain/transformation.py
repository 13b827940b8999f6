"""Stored transformations: named, reusable transform chains with their own tests (issue 19,
item 5; the source documents' `integration_transformations`).

A transformation is what a mapping's `library` holds under one name (a chain of
`TransformStep`, `fieldwright.domain.chains`), living on its own: a business key,
the chain name mappings call it by (``{"fn": "@name"}``), a description, a type
(the spec's enum; a chain is mostly ``map``), input and output type hints, test
cases and versions. Its steps may call other stored chains by ``@name``.

The file format is canonical JSON like a mapping's (`canonical.py`): keys in the
model's order, defaults left out, so a one-step edit is a one-hunk diff. The
format version is `fieldwright_transformation`.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from fieldwright.domain._json_checks import nesting_problem
from fieldwright.domain.canonical import parse_json, problems_of, read_json, write_atomically
from fieldwright.domain.chains import CHAIN_NAME
from fieldwright.domain.document import TransformStep
from fieldwright.domain.errors import DocumentError, Problem

__all__ = [
    "TRANSFORMATION_FORMAT_VERSION",
    "TRANSFORMATION_VERSION_KEY",
    "ChainTestCase",
    "StepEdit",
    "TransformationDiff",
    "TransformationDocument",
    "TransformationError",
    "TransformationSummary",
    "TransformationType",
    "TransformationVersionInfo",
    "dumps_transformation",
    "is_transformation_data",
    "load_transformation",
    "loads_transformation",
    "save_transformation",
    "transformation_from_data",
    "transformation_to_data",
]

TRANSFORMATION_FORMAT_VERSION: Final = 1
TRANSFORMATION_VERSION_KEY: Final = "fieldwright_transformation"


class TransformationError(DocumentError):
    """A transformation document that cannot be used, with every problem found in it."""

    noun = "transformation document"


class TransformationType(StrEnum):
    """What a transformation does (the source documents' `transformation_type`)."""

    MAP = "map"
    FILTER = "filter"
    AGGREGATE = "aggregate"
    ENRICH = "enrich"
    VALIDATE = "validate"
    CUSTOM = "custom"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChainTestCase(_Model):
    """A value (and, for steps that read other fields, the record it sits in) and what the
    chain must turn it into, or that it must fail."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    #: The value the chain receives.
    input: JsonValue = None
    #: The record the value comes from (what `expression` and record-reading steps see).
    record: dict[str, JsonValue] = Field(default_factory=dict)
    expected: JsonValue = None
    #: Expect the chain to fail on this input (the error is the actual result).
    expect_error: bool = False
    note: str = ""


class TransformationDocument(_Model):
    """One stored transformation: a named chain, its description, type hints and tests."""

    fieldwright_transformation: int = Field(description="Document format version.")
    key: str = Field(min_length=1, description="Business key, e.g. transform_clean_phone")
    #: The chain name mappings call it by: ``{"fn": "@name"}``.
    name: str = Field(min_length=1)
    description: str = ""
    type: TransformationType = TransformationType.MAP
    version: int = Field(default=1, ge=1)
    #: What the chain expects and gives, as a hint for people ("string", "date", "any").
    input_type: str = ""
    output_type: str = ""
    steps: list[TransformStep] = Field(default_factory=list)
    tests: list[ChainTestCase] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _chain_name(cls, value: str) -> str:
        if not CHAIN_NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a chain name: use letters, digits and _, "
                "not starting with a digit (e.g. clean_phone)"
            )
        return value

    @field_validator("tests")
    @classmethod
    def _unique_tests(cls, value: list[ChainTestCase]) -> list[ChainTestCase]:
        seen: set[str] = set()
        for case in value:
            if case.name in seen:
                raise ValueError(f"two test cases are named {case.name!r}; rename one")
            seen.add(case.name)
        return value


# -- records the store hands back ------------------------------------------------------------


class TransformationVersionInfo(_Model):
    """One saved version of a transformation: who saved it, when, and its content hash."""

    key: str
    version: int
    name: str
    saved_at: datetime
    saved_by: str
    comment: str = ""
    step_count: int = 0
    content_sha256: str


class TransformationSummary(_Model):
    """A transformation as a list shows it."""

    key: str
    name: str
    description: str = ""
    type: TransformationType = TransformationType.MAP
    latest_version: int
    step_count: int
    test_count: int
    updated_at: datetime
    updated_by: str


class StepEdit(_Model):
    """One step added, removed or changed between two versions (positions from 0)."""

    change: str  # "added", "removed" or "changed"
    old_index: int | None = None
    new_index: int | None = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None

    def describe(self) -> str:
        def show(step: dict[str, Any] | None) -> str:
            if step is None:
                return ""
            args = step.get("args") or []
            inside = ", ".join(json.dumps(a, ensure_ascii=False) for a in args)
            return f"{step.get('fn')}({inside})"

        if self.change == "added":
            return f"step {self.new_index} added: {show(self.new)}"
        if self.change == "removed":
            return f"step {self.old_index} removed: {show(self.old)}"
        where = (
            f"step {self.new_index}"
            if self.old_index == self.new_index
            else f"step {self.old_index} (now {self.new_index})"
        )
        return f"{where} changed: {show(self.old)} → {show(self.new)}"


class TransformationDiff(_Model):
    """What changed between two versions: steps, test cases (by name), other parts."""

    key: str
    old_version: int
    new_version: int
    steps: list[StepEdit] = Field(default_factory=list)
    tests_added: list[str] = Field(default_factory=list)
    tests_removed: list[str] = Field(default_factory=list)
    tests_changed: list[str] = Field(default_factory=list)
    #: Top-level parts besides steps and tests that changed (name, description, type, …).
    other_changes: list[str] = Field(default_factory=list)
    #: The unified diff of the two canonical texts, line by line.
    text: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.steps
            or self.tests_added
            or self.tests_removed
            or self.tests_changed
            or self.other_changes
        )

    def lines(self) -> list[str]:
        """The changes, one plain sentence a line."""
        out = [edit.describe() for edit in self.steps]
        out += [f"test {name!r} added" for name in self.tests_added]
        out += [f"test {name!r} removed" for name in self.tests_removed]
        out += [f"test {name!r} changed" for name in self.tests_changed]
        out += [f"{part} changed" for part in self.other_changes]
        return out or ["no changes"]


# -- canonical JSON -----------------------------------------------------------------------


def is_transformation_data(data: Any) -> bool:
    return isinstance(data, dict) and TRANSFORMATION_VERSION_KEY in data


def transformation_to_data(document: TransformationDocument) -> dict[str, Any]:
    """The document as plain JSON data, defaults left out (the format version kept)."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    return data


def dumps_transformation(document: TransformationDocument) -> str:
    """The canonical JSON text of a transformation."""
    return json.dumps(transformation_to_data(document), indent=2, ensure_ascii=False) + "\n"


def _format_version(data: dict[str, Any]) -> None:
    where = f"/{TRANSFORMATION_VERSION_KEY}"
    version = data.get(TRANSFORMATION_VERSION_KEY)
    if version is None:
        raise TransformationError(
            [Problem(where, "missing format version; is this a Fieldwright transformation?")]
        )
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TransformationError(
            [Problem(where, f"format version must be a positive integer, not {version!r}")]
        )
    if version > TRANSFORMATION_FORMAT_VERSION:
        raise TransformationError(
            [
                Problem(
                    where,
                    f"written by a newer Fieldwright (format {version}); this version reads "
                    f"formats up to {TRANSFORMATION_FORMAT_VERSION}. Upgrade Fieldwright.",
                )
            ]
        )


def transformation_from_data(data: Any) -> TransformationDocument:
    """Validate plain JSON data as a transformation; problems at their JSON pointers."""
    if not isinstance(data, dict):
        raise TransformationError([Problem("", "a transformation document is a JSON object")])
    if (too_deep := nesting_problem(data)) is not None:
        raise TransformationError([too_deep])
    _format_version(data)
    try:
        return TransformationDocument.model_validate(data)
    except ValidationError as exc:
        raise TransformationError(problems_of(exc)) from exc


def loads_transformation(text: str | bytes, *, source: str | None = None) -> TransformationDocument:
    return parse_json(text, transformation_from_data, source=source)


def load_transformation(path: str | os.PathLike[str]) -> TransformationDocument:
    return read_json(path, transformation_from_data)


def save_transformation(document: TransformationDocument, path: str | os.PathLike[str]) -> None:
    write_atomically(dumps_transformation(document), path)
