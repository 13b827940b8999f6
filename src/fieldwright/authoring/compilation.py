"""One compile of a document, shared by validation, the preview and the tests. Qt-free.

`compile_for_authoring` compiles a snapshot once, leniently: every problem is
listed (the designer's marks), the field mappings that compile make the
preview's mapping (the broken ones are left out, with why), and the whole
mapping runs the tests when nothing is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fieldwright.domain import DocumentError, MappingDocument, Problem
from fieldwright.domain.records import SourceItem
from fieldwright.service import (
    InvalidDocument,
    PreviewRow,
    compile_leniently,
    preview_records,
    run_document_tests,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from fieldwright.service import CompiledMapping, SuiteResult

__all__ = ["Compilation", "compile_for_authoring"]

_FIELD_POINTER = re.compile(r"^/fields/(\d+)")


@dataclass(frozen=True, slots=True)
class Compilation:
    """What one compile of `document` (a snapshot nobody edits) found."""

    document: MappingDocument
    #: The field mappings that compile; None when a problem lies outside them.
    partial: CompiledMapping | None
    problems: list[Problem] = field(default_factory=list)
    #: Target paths of field mappings left out of `partial`, with the first reason.
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def mapping(self) -> CompiledMapping | None:
        """The whole document compiled; None when it has a problem."""
        return None if self.problems else self.partial

    def error(self) -> InvalidDocument:
        """The error compiling the whole document raises (when it has problems)."""
        return InvalidDocument(str(DocumentError(self.problems)), self.problems)

    def trace(self, items: list[SourceItem]) -> list[PreviewRow]:
        """Trace sample records through the field mappings that compile (the broken
        ones are left out); `InvalidDocument` when a problem lies outside them."""
        if self.partial is None:
            raise self.error()
        return preview_records(self.partial, items)

    def run_tests(
        self,
        indexes: Collection[int] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> SuiteResult:
        """Run the document's tests (at `indexes`; None: all); `InvalidDocument` when
        the document has a problem."""
        if self.mapping is None:
            raise self.error()
        return run_document_tests(
            self.document, indexes, on_progress=on_progress, compiled=self.mapping
        )


def compile_for_authoring(document: MappingDocument) -> Compilation:
    """Compile `document` once (it must not change meanwhile)."""
    partial, problems = compile_leniently(document)
    excluded: dict[str, str] = {}
    for problem in problems:
        match = _FIELD_POINTER.match(problem.pointer)
        if match is not None:
            excluded.setdefault(document.fields[int(match.group(1))].target, problem.message)
    return Compilation(document, partial, problems, excluded)
