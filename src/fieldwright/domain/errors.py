"""Problems found in a mapping document, each with its JSON pointer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DocumentError", "Problem", "pointer"]


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """An RFC 6901 JSON pointer from its reference tokens (`""` is the whole document)."""
    return "".join("/" + _escape(token) for token in tokens)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document: where (JSON pointer) and what to do about it."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class DocumentError(ValueError):
    """A mapping document that cannot be used, with every problem found in it."""

    #: What the document is, in messages.
    noun = "mapping document"

    def __init__(self, problems: Iterable[Problem], *, source: str | None = None) -> None:
        self.problems: Sequence[Problem] = tuple(problems)
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{where}the {self.noun} has {count} {noun}:"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)

    def with_source(self, source: str) -> DocumentError:
        """The same problems, naming the file they came from."""
        return type(self)(self.problems, source=source)
