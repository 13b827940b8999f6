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

import re
import re._constants as _re_constants  # type: ignore[import-not-found]  # no stubs; stable since 3.11
import re._parser as _re_parser  # type: ignore[import-not-found]
from collections.abc import Callable
from typing import Any, Final

import regex

from fieldwright.engine.functions._errors import TransformError

__all__ = ["MATCH_TIMEOUT", "Pattern", "PatternError", "PatternTimeout", "compile_pattern"]

#: Seconds one match, search or substitution of a document's pattern may take.
MATCH_TIMEOUT: Final = 0.25
#: How many texts that ran out of time each pattern remembers.
_REMEMBERED: Final = 32


class PatternError(ValueError):
    """A pattern that does not compile, or a replacement that does not fit it."""


class PatternTimeout(TransformError):
    """A match ran past `MATCH_TIMEOUT`: the value's field fails, the run goes on."""


class Pattern:
    """A compiled pattern whose every match is bounded by `MATCH_TIMEOUT`."""

    __slots__ = ("_compiled", "_fast", "_timed_out_on", "fast_sub", "groups", "pattern")

    def __init__(self, text: str) -> None:
        try:
            self._compiled = regex.compile(text, regex.VERSION0)
        except regex.error as exc:
            raise PatternError(str(exc)) from exc
        except RecursionError as exc:  # the regex parser recurses once per group
            raise PatternError("groups nested too deeply") from exc
        self.pattern = text
        self.groups: int = self._compiled.groups
        #: A pattern with no unbounded repeat and no back-reference matches in time
        #: linear in the text: it runs on the stdlib `re`, whose calls cost a fifth of a
        #: `regex` call with a timeout (the timeout's set-up dominates short values).
        self._fast = _linear(text)
        #: The stdlib's bound `sub`, looked up once: the regex_replace column calls it per
        #: value (it raises re.error or IndexError for a replacement that does not fit).
        self.fast_sub: Callable[..., str] | None = None if self._fast is None else self._fast.sub
        #: Texts a match ran out of time on (the last few): matching is deterministic, so
        #: the same text fails again at once instead of spending the bound a second time
        #: (the careful path re-maps a record the batch path could not).
        self._timed_out_on: dict[str, None] = {}

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r})"

    def _run(self, how: Callable[..., Any], text: str, *args: Any, **kwargs: Any) -> Any:
        if self._fast is not None:
            return getattr(self._fast, how.__name__)(*args, **kwargs)
        if text in self._timed_out_on:
            raise self._timed_out(text)
        try:
            return how(*args, timeout=MATCH_TIMEOUT, concurrent=True, **kwargs)
        except TimeoutError as exc:
            self._timed_out_on[text] = None
            while len(self._timed_out_on) > _REMEMBERED:
                del self._timed_out_on[next(iter(self._timed_out_on))]
            raise self._timed_out(text) from exc

    def _timed_out(self, text: str) -> PatternTimeout:
        shown = text if len(text) <= 60 else f"{text[:57]}…"
        return PatternTimeout(
            f"the pattern {self.pattern!r} took longer than {MATCH_TIMEOUT:g} s on {shown!r} "
            "(it backtracks too much: simplify nested repeats such as (a+)+)"
        )

    def search(self, text: str) -> regex.Match[str] | None:
        found: regex.Match[str] | None = self._run(self._compiled.search, text, text)
        return found

    def fullmatch(self, text: str) -> regex.Match[str] | None:
        found: regex.Match[str] | None = self._run(self._compiled.fullmatch, text, text)
        return found

    def sub(
        self, replacement: str | Callable[[regex.Match[str]], str], text: str, count: int = 0
    ) -> str:
        try:
            if self.fast_sub is not None:
                fast: str = self.fast_sub(replacement, text, count)
                return fast
            replaced: str = self._run(self._compiled.sub, text, replacement, text, count=count)
        except (regex.error, re.error, IndexError) as exc:
            raise PatternError(str(exc)) from exc
        return replaced


_REPEATS = {_re_constants.MAX_REPEAT, _re_constants.MIN_REPEAT, _re_constants.POSSESSIVE_REPEAT}
_BACKREFS = {_re_constants.GROUPREF, _re_constants.GROUPREF_EXISTS}


def _linear(text: str) -> re.Pattern[str] | None:
    """`text` compiled by the stdlib when it cannot backtrack catastrophically (no
    unbounded repeat, no back-reference); None otherwise, or when `re` reads it
    differently (Unicode properties such as \\p{Lu} are the regex module's)."""
    try:
        pending: list[Any] = list(_re_parser.parse(text))
        compiled = re.compile(text)
    except (re.error, RecursionError, OverflowError):
        return None
    while pending:
        op, argument = pending.pop()
        if op in _BACKREFS:
            return None
        if op in _REPEATS:
            _low, high, body = argument
            if high == _re_constants.MAXREPEAT:
                return None
            pending.extend(body)
        elif op is _re_constants.SUBPATTERN:
            pending.extend(argument[-1])
        elif op is _re_constants.BRANCH:
            for branch in argument[1]:
                pending.extend(branch)
        elif op in (_re_constants.ASSERT, _re_constants.ASSERT_NOT):
            pending.extend(argument[1])
    return compiled


def compile_pattern(text: str) -> Pattern:
    """`text` compiled; `PatternError` with the regex module's message when it is not valid."""
    return Pattern(text)
