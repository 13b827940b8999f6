"""Load and save mapping documents as canonical JSON.

Canonical means: keys in the order of the model, defaults left out, two-space
indent, UTF-8 without escaping, one trailing newline. Two saves of the same
document are byte-identical, and a one-field edit is a one-hunk git diff.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from fieldwright.domain._json_checks import MAX_NESTING, nesting_problem, text_problems
from fieldwright.domain.document import FORMAT_VERSION, MappingDocument
from fieldwright.domain.errors import DocumentError, Problem, pointer

T = TypeVar("T")

__all__ = [
    "MAX_NESTING",
    "MIGRATIONS",
    "dumps",
    "from_data",
    "load",
    "loads",
    "parse_json",
    "problems_of",
    "read_json",
    "save",
    "to_data",
    "write_atomically",
]

#: Upgrades from an older format: MIGRATIONS[n] turns format n into n + 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def to_data(document: MappingDocument) -> dict[str, Any]:
    """The document as plain JSON data, defaults left out."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    return data


def dumps(document: MappingDocument) -> str:
    """The canonical JSON text of a document."""
    return json.dumps(to_data(document), indent=2, ensure_ascii=False) + "\n"


def _describe(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key; remove it or check its spelling"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _format_version(data: dict[str, Any]) -> int:
    version = data.get("fieldwright")
    if version is None:
        raise DocumentError(
            [Problem("/fieldwright", "missing format version; is this a Fieldwright mapping?")]
        )
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DocumentError(
            [Problem("/fieldwright", f"format version must be a positive integer, not {version!r}")]
        )
    if version > FORMAT_VERSION:
        raise DocumentError(
            [
                Problem(
                    "/fieldwright",
                    f"written by a newer Fieldwright (format {version}); this version reads "
                    f"formats up to {FORMAT_VERSION}. Upgrade Fieldwright to open it.",
                )
            ]
        )
    return version


def from_data(data: Any) -> MappingDocument:
    """Validate plain JSON data as a document, migrating older formats."""
    if not isinstance(data, dict):
        raise DocumentError([Problem("", "a mapping document is a JSON object")])
    if (too_deep := nesting_problem(data)) is not None:
        raise DocumentError([too_deep])
    version = _format_version(data)
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["fieldwright"] = version
    try:
        return MappingDocument.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(problems_of(exc)) from exc


def problems_of(error: ValidationError) -> list[Problem]:
    """A pydantic validation error as problems with JSON pointers and plain messages."""
    return [Problem(pointer(*err["loc"]), _describe(err)) for err in error.errors()]


def parse_json(text: str | bytes, build: Callable[[Any], T], *, source: str | None = None) -> T:
    """Parse JSON text and `build` a document from it; errors name `source` and the line.

    Text nested deeper than MAX_NESTING or with a key twice in one object is
    refused before parsing, each problem at its pointer.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode(json.detect_encoding(text), "surrogatepass")
        if problems := text_problems(text):
            raise DocumentError(problems, source=source)
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        raise DocumentError([problem], source=source) from exc
    except UnicodeDecodeError as exc:
        problem = Problem("", f"not UTF-8 text: {exc.reason} at byte {exc.start}")
        raise DocumentError([problem], source=source) from exc
    try:
        return build(data)
    except DocumentError as exc:
        raise exc.with_source(source) if source else exc from exc.__cause__


def read_json(path: str | os.PathLike[str], build: Callable[[Any], T]) -> T:
    """Read a JSON document file and `build` it; errors name the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(
            [Problem("", f"cannot read file: {exc.strerror}")], source=str(path)
        ) from exc
    return parse_json(raw, build, source=str(path))


def loads(text: str | bytes, *, source: str | None = None) -> MappingDocument:
    """Parse a document from JSON text; errors name `source` and the line."""
    return parse_json(text, from_data, source=source)


def load(path: str | os.PathLike[str]) -> MappingDocument:
    """Read a document file."""
    return read_json(path, from_data)


def save(document: MappingDocument, path: str | os.PathLike[str]) -> None:
    """Write a document atomically: a temporary file beside it, then a rename."""
    write_atomically(dumps(document), path)


def write_atomically(content: str, path: str | os.PathLike[str]) -> None:
    """Write UTF-8 text through a temporary file beside `path`, then a rename."""
    path = Path(path)
    text = content.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
