"""What mapping one record produces: the output, or the errors of its fields."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["FieldError", "RecordResult", "RecordStatus"]


class RecordStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    FILTERED = "filtered"


@dataclass(frozen=True, slots=True)
class FieldError:
    """Why one field of one record failed, in words an analyst can act on."""

    target: str  #: target path, with the item index for array items (`$.lines[2].hours`)
    reason: str
    #: 0-based index of the failing transform step, None when it was not a step.
    step: int | None = None
    fn: str | None = None
    #: What `on_error` did: "fail" fails the record; skip/default/null recovered the field.
    handled_by: str = "fail"

    def __str__(self) -> str:
        where = f" (step {self.step + 1}, {self.fn})" if self.step is not None else ""
        return f"{self.target}{where}: {self.reason}"


@dataclass(slots=True)
class RecordResult:
    status: RecordStatus
    output: dict[str, Any] | None
    #: Failing fields (status FAILED) and fields that on_error recovered.
    errors: tuple[FieldError, ...] = ()

    @property
    def failures(self) -> list[FieldError]:
        return [e for e in self.errors if e.handled_by == "fail"]

    def reason(self) -> str:
        """One line summing up why the record failed."""
        return "; ".join(str(e) for e in self.failures)
