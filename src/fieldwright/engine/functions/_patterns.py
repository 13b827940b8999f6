"""Regular expressions written in documents, each match bounded in time.

A document's patterns (validation rules, the regex functions, JSONPath
``match()`` and ``search()`` in filters) come from whoever wrote the
document, so one of them can backtrack for minutes on an unlucky value
(``(a|aa)+$`` on sixty ``a`` and a ``b``). Every match here runs with the
`regex` module's timeout: past `MATCH_TIMEOUT` seconds that value's field
fails with a reason naming the pattern, and the run goes on. Matching
releases the GIL (``concurrent=True``), so the scheduler and the GUI keep
running meanwhile.

Patterns use Python's syntax (the `regex` module's version 0, compatible with
`re`), plus Unicode properties such as ``\\p{Lu}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import regex

from fieldwright.engine.functions._errors import TransformError

__all__ = ["MATCH_TIMEOUT", "Pattern", "PatternError", "PatternTimeout", "compile_pattern"]

#: Seconds one match, search or substitution of a document's pattern may take.
MATCH_TIMEOUT: Final = 0.5


class PatternError(ValueError):
    """A pattern that does not compile, or a replacement that does not fit it."""


class PatternTimeout(TransformError):
    """A match ran past `MATCH_TIMEOUT`: the value's field fails, the run goes on."""


class Pattern:
    """A compiled pattern whose every match is bounded by `MATCH_TIMEOUT`."""

    __slots__ = ("_compiled", "groups", "pattern")

    def __init__(self, text: str) -> None:
        try:
            self._compiled = regex.compile(text, regex.VERSION0)
        except regex.error as exc:
            raise PatternError(str(exc)) from exc
        except RecursionError as exc:  # the regex parser recurses once per group
            raise PatternError("groups nested too deeply") from exc
        self.pattern = text
        self.groups: int = self._compiled.groups

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r})"

    def _timed_out(self, text: str) -> PatternTimeout:
        shown = text if len(text) <= 60 else f"{text[:57]}…"
        return PatternTimeout(
            f"the pattern {self.pattern!r} took longer than {MATCH_TIMEOUT:g} s on {shown!r} "
            "(it backtracks too much: simplify nested repeats such as (a+)+)"
        )

    def search(self, text: str) -> regex.Match[str] | None:
        try:
            return self._compiled.search(text, timeout=MATCH_TIMEOUT, concurrent=True)
        except TimeoutError as exc:
            raise self._timed_out(text) from exc

    def fullmatch(self, text: str) -> regex.Match[str] | None:
        try:
            return self._compiled.fullmatch(text, timeout=MATCH_TIMEOUT, concurrent=True)
        except TimeoutError as exc:
            raise self._timed_out(text) from exc

    def sub(
        self, replacement: str | Callable[[regex.Match[str]], str], text: str, count: int = 0
    ) -> str:
        try:
            return self._compiled.sub(
                replacement, text, count=count, timeout=MATCH_TIMEOUT, concurrent=True
            )
        except TimeoutError as exc:
            raise self._timed_out(text) from exc
        except (regex.error, IndexError) as exc:
            raise PatternError(str(exc)) from exc


def compile_pattern(text: str) -> Pattern:
    """`text` compiled; `PatternError` with the regex module's message when it is not valid."""
    return Pattern(text)
