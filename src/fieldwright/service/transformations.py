"""Stored transformations (issue 19, item 5): the Transformation Builder's service.

A stored transformation is a named transform chain living on its own in the store
(`fieldwright.domain.transformation`): listed, searched, saved as versions (a new
one only when the content changed), diffed, deleted, imported and exported as
canonical JSON files, and tested with its own test cases.

Tests run through the real engine: the chain, with the chains it calls, is put in
a one-field mapping's `library` whose field takes the case's input as its constant
and calls the chain; the case's record is the record the steps see. So a stored
chain behaves in its tests exactly as it does in a mapping.

"Use in a mapping" copies a stored chain, and every stored chain it calls, into a
mapping's `library`; "publish" stores a mapping's library chain (and the chains it
calls that the store lacks) as transformations.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldwright.domain import FORMAT_VERSION, DocumentError, MappingDocument, Problem
from fieldwright.domain.chains import chain_called
from fieldwright.domain.document import TransformStep
from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key
from fieldwright.domain.transformation import (
    TRANSFORMATION_FORMAT_VERSION,
    ChainTestCase,
    TransformationDiff,
    TransformationDocument,
    TransformationSummary,
    TransformationType,
    TransformationVersionInfo,
    load_transformation,
    loads_transformation,
    save_transformation,
)
from fieldwright.engine.compiler import compile_document
from fieldwright.engine.results import RecordStatus
from fieldwright.engine.testing import compare
from fieldwright.service._boundary import service_errors
from fieldwright.service.errors import InvalidRequest, NotFound
from fieldwright.store import Store, TransformationRepository

__all__ = [
    "CaseResult",
    "ChainTestCase",
    "ChainTestRun",
    "StoredTransformations",
    "TransformationDiff",
    "TransformationDocument",
    "TransformationSummary",
    "TransformationType",
    "TransformationVersionInfo",
    "chain_library",
    "new_transformation",
    "open_transformation",
    "parse_transformation",
    "run_chain_tests",
    "transformation_key",
]

Library = Mapping[str, Sequence[TransformStep]]
PathLike = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One test case run: what the chain gave (or the error it raised) and whether that
    is what the case expects."""

    name: str
    passed: bool
    expected: Any
    actual: Any = None
    #: Why the chain failed on the input, None when it gave a value.
    error: str | None = None
    #: Why the case failed, in words ("expected 'A', got 'a'"); "" when it passed.
    message: str = ""


@dataclass(frozen=True, slots=True)
class ChainTestRun:
    """A transformation's test cases run, or the problems that stop the chain compiling."""

    results: tuple[CaseResult, ...]
    #: Problems of the chain itself (an unknown function, a bad argument, an unknown
    #: ``@name``), at JSON pointers into the transformation (``/steps/1/args/0``).
    problems: tuple[Problem, ...] = ()

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return not self.problems and self.failed == 0


def transformation_key(name: str) -> str:
    """The business key a new transformation of chain `name` gets."""
    return f"transform_{name}"


def new_transformation(name: str, **values: Any) -> TransformationDocument:
    """A new, empty transformation of chain `name` (InvalidRequest for a bad name)."""
    data = {
        "fieldwright_transformation": TRANSFORMATION_FORMAT_VERSION,
        "key": transformation_key(name),
        "name": name,
        **values,
    }
    with service_errors("a new transformation"):
        return TransformationDocument.model_validate(data)


def open_transformation(path: PathLike) -> TransformationDocument:
    """Read a transformation file; InvalidDocument names the file, line and pointer."""
    with service_errors():
        return load_transformation(path)


def parse_transformation(text: str, source: str = "transformation") -> TransformationDocument:
    with service_errors():
        return loads_transformation(text, source=source)


def _as_json(value: Any) -> Any:
    """The engine's value as JSON data (dates and decimals as JSON would write them)."""
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return repr(value)


def _holder(document: TransformationDocument, library: Library, value: Any) -> MappingDocument:
    chains = {name: list(steps) for name, steps in library.items()}
    chains[document.name] = list(document.steps)
    return MappingDocument.model_validate(
        {
            "fieldwright": FORMAT_VERSION,
            "key": "transformation_test",
            "name": document.name,
            "library": chains,
            "fields": [
                {
                    "target": "$.value",
                    "constant": value,
                    "transforms": [{"fn": "@" + document.name}],
                }
            ],
        }
    )


_UNKNOWN_CHAIN = re.compile(r"no library chain ('[^']*') \(known: [^)]*\)")


def _own_problems(document: TransformationDocument, problems: Sequence[Problem]) -> list[Problem]:
    """The holder mapping's problems as pointers into the transformation."""
    own = f"/library/{document.name}/"
    found: list[Problem] = []
    for problem in problems:
        if problem.pointer.startswith("/fields/"):
            continue  # the holder's field repeats the chain's problem
        if problem.pointer.startswith(own):
            message = _UNKNOWN_CHAIN.sub(
                r"no stored transformation is called \1 (save it first, or check the name)",
                problem.message,
            )
            problem = Problem("/steps/" + problem.pointer[len(own) :], message)
        elif problem.pointer.startswith("/library/"):
            called = problem.pointer.split("/")[2]
            problem = Problem("/steps", f"called chain @{called}: {problem.message}")
        if problem not in found:
            found.append(problem)
    return found


def _run_case(
    document: TransformationDocument, library: Library, case: ChainTestCase
) -> CaseResult:
    compiled = compile_document(_holder(document, library, case.input))
    result = compiled.apply(case.record)
    if result.status is RecordStatus.FAILED or result.output is None:
        reasons = (
            "; ".join(
                f"{error.reason} (step {error.step + 1}, {error.fn})"
                if error.step is not None
                else error.reason
                for error in result.failures
            )
            or "the chain failed"
        )
        if case.expect_error:
            return CaseResult(case.name, True, case.expected, error=reasons)
        return CaseResult(
            case.name, False, case.expected, error=reasons, message=f"failed: {reasons}"
        )
    actual = _as_json(result.output.get("value"))
    if case.expect_error:
        return CaseResult(
            case.name,
            False,
            case.expected,
            actual,
            message=f"expected an error, got {json.dumps(actual, ensure_ascii=False)}",
        )
    differences = compare(case.expected, actual)
    message = "; ".join(str(d).replace("$: ", "", 1) for d in differences)
    return CaseResult(case.name, not differences, case.expected, actual, message=message)


def run_chain_tests(
    document: TransformationDocument,
    library: Library | None = None,
    cases: Sequence[ChainTestCase] | None = None,
) -> ChainTestRun:
    """Run `cases` (default: the document's tests) through the engine. `library` holds the
    chains the transformation calls (`StoredTransformations.library_for`)."""
    library = library or {}
    probe = _holder(document, library, None)
    try:
        compile_document(probe)
    except DocumentError as exc:
        return ChainTestRun((), tuple(_own_problems(document, exc.problems)))
    chosen = document.tests if cases is None else cases
    return ChainTestRun(tuple(_run_case(document, library, case) for case in chosen))


def chain_library(
    name: str, steps: Sequence[TransformStep], chains: Library
) -> dict[str, list[TransformStep]]:
    """The chains `steps` (of chain `name`) call, directly or through others, from `chains`;
    names `chains` lacks are left out (compiling then names them)."""
    found: dict[str, list[TransformStep]] = {}
    pending = [called for step in steps if (called := chain_called(step)) is not None]
    while pending:
        called = pending.pop()
        if called in found or called == name or called not in chains:
            continue
        found[called] = list(chains[called])
        pending += [c for step in chains[called] if (c := chain_called(step)) is not None]
    return found


class StoredTransformations:
    """The transformations of one open store (`Service.transformations`)."""

    def __init__(self, store: Store) -> None:
        self._repo = TransformationRepository(store)

    def list_transformations(self, search: str | None = None) -> list[TransformationSummary]:
        """Stored transformations by chain name; `search` matches key, name or description."""
        with service_errors("listing transformations"):
            return self._repo.list_transformations(search=search)

    def exists(self, key: str) -> bool:
        with service_errors():
            return self._repo.exists(key)

    def open(self, key: str, version: int | None = None) -> TransformationDocument:
        """A stored transformation (default: its latest version)."""
        with service_errors():
            return self._repo.load_transformation(key, version)

    def open_chain(self, name: str) -> TransformationDocument:
        """The stored transformation whose chain name is `name`."""
        with service_errors():
            key = self._repo.key_of(name)
            if key is None:
                raise NotFound(f"no stored transformation is called {name!r}")
            return self._repo.load_transformation(key)

    def save(
        self, document: TransformationDocument, base_version: int | None, *, comment: str = ""
    ) -> TransformationVersionInfo:
        """Save a new version when the content changed (else the latest version back);
        `base_version` is the version the editor started from (None: a new one)."""
        with service_errors(f"saving transformation {document.key!r}"):
            return self._repo.save_transformation(
                document, base_version=base_version, comment=comment
            )

    def history(self, key: str) -> list[TransformationVersionInfo]:
        """Every saved version, newest first."""
        with service_errors():
            return self._repo.history(key)

    def diff(self, key: str, a: int, b: int | None = None) -> TransformationDiff:
        """What changed from version `a` to version `b` (default: the latest)."""
        with service_errors():
            return self._repo.diff(key, a, b)

    def delete(self, key: str) -> int:
        """Delete a transformation and its versions; how many versions it had. Mappings
        that copied its chain keep their copy."""
        with service_errors(f"deleting transformation {key!r}"):
            return self._repo.delete_transformation(key)

    # -- chains and tests -------------------------------------------------------------------

    def chains(self) -> dict[str, list[TransformStep]]:
        """Every stored chain by name (latest versions)."""
        with service_errors("reading the stored chains"):
            return {
                summary.name: list(self._repo.load_transformation(summary.key).steps)
                for summary in self._repo.list_transformations()
            }

    def library_for(self, document: TransformationDocument) -> dict[str, list[TransformStep]]:
        """The stored chains `document` calls, directly or through others (each read once,
        by name; names the store lacks are left out, and compiling then names them)."""
        found: dict[str, list[TransformStep]] = {}
        pending = [c for step in document.steps if (c := chain_called(step)) is not None]
        with service_errors("reading the stored chains"):
            while pending:
                called = pending.pop()
                if called in found or called == document.name:
                    continue
                key = self._repo.key_of(called)
                if key is None:
                    continue
                steps = list(self._repo.load_transformation(key).steps)
                found[called] = steps
                pending += [c for step in steps if (c := chain_called(step)) is not None]
        return found

    def test(
        self, document: TransformationDocument, cases: Sequence[ChainTestCase] | None = None
    ) -> ChainTestRun:
        """Run `document`'s test cases (or `cases`), calling the stored chains it calls."""
        return run_chain_tests(document, self.library_for(document), cases)

    def run_tests(self, key: str, version: int | None = None) -> ChainTestRun:
        """Run the test cases of stored transformation `key` (default: its latest version)."""
        return self.test(self.open(key, version))

    # -- mappings ---------------------------------------------------------------------------

    def use_in_mapping(
        self, mapping: MappingDocument, name: str, *, replace: bool = False
    ) -> MappingDocument:
        """`mapping` with stored chain `name` and the chains it calls in its `library`.

        A library chain of the same name with other steps is kept unless `replace`
        (InvalidRequest names it)."""
        document = self.open_chain(name)
        wanted = {name: list(document.steps), **self.library_for(document)}
        clashes = sorted(
            chain
            for chain, steps in wanted.items()
            if chain in mapping.library and list(mapping.library[chain]) != steps
        )
        if clashes and not replace:
            listed = ", ".join(f"@{chain}" for chain in clashes)
            raise InvalidRequest(
                f"mapping {mapping.key!r} has its own chain(s) {listed} with other steps than "
                "the stored ones; nothing was copied (replace them, or rename yours first)"
            )
        library = {**mapping.library, **wanted}
        return mapping.model_copy(update={"library": library})

    def publish(
        self,
        mapping: MappingDocument,
        name: str,
        *,
        description: str = "",
        comment: str = "",
    ) -> list[TransformationVersionInfo]:
        """Store library chain `name` of `mapping` as a transformation (a new version of the
        stored one of that name, if any), with the chains it calls that the store lacks.
        Returns what was saved, `name`'s first."""
        steps = mapping.library.get(name)
        if steps is None:
            known = ", ".join(sorted(mapping.library)) or "none"
            raise InvalidRequest(f"mapping {mapping.key!r} has no chain {name!r} (chains: {known})")
        called = chain_library(name, steps, mapping.library)
        stored = self.chains()
        saved: list[TransformationVersionInfo] = []
        why = comment or f"published from mapping {mapping.key}"
        for chain, chain_steps in [(name, list(steps)), *sorted(called.items())]:
            if chain != name and chain in stored:
                continue  # the store has it; the mapping keeps its copy
            if chain in stored:
                current = self.open_chain(name)
                update: dict[str, Any] = {"steps": list(chain_steps)}
                if description:
                    update["description"] = description
                saved.append(
                    self.save(current.model_copy(update=update), current.version, comment=why)
                )
                continue
            document = new_transformation(
                chain,
                description=description if chain == name else "",
                steps=[step.model_dump(mode="json") for step in chain_steps],
            )
            saved.append(self.save(document, None, comment=why))
        return saved

    # -- files ------------------------------------------------------------------------------

    def import_file(self, path: PathLike) -> TransformationVersionInfo:
        """Store a transformation file: new, or a new version of its key."""
        with service_errors(f"importing {os.fspath(path)}"):
            document = load_transformation(path)
            return self._repo.import_document(document, comment=f"imported from {Path(path).name}")

    def export_file(self, key: str, path: PathLike, version: int | None = None) -> Path:
        """Write a version (default: the latest) to `path` (a folder: ``KEY.json`` in it)."""
        try:
            check_safe_key(key)
        except UnsafeKey as exc:
            raise InvalidRequest(f"{exc}; nothing was exported") from None
        document = self.open(key, version)
        target = Path(path)
        if target.is_dir():
            target = target / f"{key}.json"
        with service_errors(f"exporting transformation {key!r}"):
            save_transformation(document, target)
        return target
