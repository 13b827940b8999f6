"""The Tests page's summary line: how many tests there are and how they fared, and how
much of the mapping they cover (the fields no test checks in the tooltip). No Qt here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from fieldwright.authoring.suite_status import Outcome

if TYPE_CHECKING:
    from fieldwright.service import Coverage

__all__ = ["counts_text", "coverage_text"]


def counts_text(tests: int, counts: Mapping[Outcome, int]) -> str:
    """ "12 tests · 10 passed · 2 failed"; the not-run ones only when some did run."""
    parts = [f"{tests} tests"]
    parts += [f"{counts[o]} {o.value}" for o in Outcome if counts[o] and o is not Outcome.NOT_RUN]
    if counts[Outcome.NOT_RUN] and counts[Outcome.NOT_RUN] != tests:
        parts.append(f"{counts[Outcome.NOT_RUN]} not run")
    return " · ".join(parts)


def coverage_text(coverage: Coverage | None) -> tuple[str, str]:
    """The coverage label's text and tooltip (None: no run measured it)."""
    if coverage is None:
        return "Coverage: not measured", ""
    total = len(coverage.checked) + len(coverage.unchecked)
    text = (
        f"Coverage {coverage.ratio:.0%} · {len(coverage.checked)} of {total} field mappings checked"
    )
    tip = (
        "No test checks: " + ", ".join(coverage.unchecked)
        if coverage.unchecked
        else "Every field mapping is checked by a test"
    )
    return text, tip
