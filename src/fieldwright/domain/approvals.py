"""Approvals before production: the lifecycle of a mapping version and its sign-offs.

Each saved version of a mapping moves through ``draft → in_review → approved →
active → retired`` (a rejected review goes back to draft). A version reaches
``approved`` once every role its mapping requires has signed off; only an
approved version can be activated, and activating one retires the version that
was active before. Versions are immutable, so editing an approved or active
mapping saves a new version, which starts as a draft while the active one runs on.

Which roles must sign comes from the template the mapping was made from
(its `approval` settings), else every role. These are plain pydantic models;
the store keeps them and the service enforces the rules.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

__all__ = [
    "DEFAULT_COVERAGE_THRESHOLD",
    "TRANSITIONS",
    "ApprovalRole",
    "ApprovalSettings",
    "AuditEntry",
    "LifecycleState",
    "ReviewItem",
    "SignOff",
    "VersionLifecycle",
    "refusal",
]

#: The share of target fields the tests must check for a testing sign-off, by default.
DEFAULT_COVERAGE_THRESHOLD = 0.8


class LifecycleState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    ACTIVE = "active"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class ApprovalRole(StrEnum):
    TECHNICAL_REVIEW = "technical_review"
    DATA_OWNER = "data_owner"
    SECURITY_REVIEW = "security_review"
    TESTING_SIGNOFF = "testing_signoff"

    @property
    def label(self) -> str:
        return {
            "technical_review": "Technical review",
            "data_owner": "Data owner",
            "security_review": "Security review",
            "testing_signoff": "Testing sign-off",
        }[self.value]


class ApprovalSettings(BaseModel):
    """A template's approval workflow: which roles sign, and the tests' coverage bar."""

    model_config = ConfigDict(extra="forbid")

    required_roles: list[ApprovalRole] = Field(default_factory=lambda: list(ApprovalRole))
    #: The testing sign-off needs every test to pass and at least this coverage (0..1).
    coverage_threshold: float = Field(default=DEFAULT_COVERAGE_THRESHOLD, ge=0.0, le=1.0)

    @field_validator("required_roles")
    @classmethod
    def _no_repeats(cls, value: list[ApprovalRole]) -> list[ApprovalRole]:
        if len(set(value)) != len(value):
            raise ValueError("a role is listed twice in required_roles")
        # Keep the workflow's order whatever order the template wrote them in.
        return [role for role in ApprovalRole if role in value]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignOff(_Record):
    """One role's sign-off of one version: who, when, why; a testing sign-off keeps the
    suite's results (tests passed and failed, coverage) in `details`."""

    mapping_key: str
    version: int
    role: ApprovalRole
    signed_by: str
    signed_at: datetime
    comment: str = ""
    details: dict[str, JsonValue] = Field(default_factory=dict)


class VersionLifecycle(_Record):
    """Where one version of a mapping is in its lifecycle, with its sign-offs."""

    mapping_key: str
    version: int
    state: LifecycleState = LifecycleState.DRAFT
    required_roles: list[ApprovalRole] = Field(default_factory=lambda: list(ApprovalRole))
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD
    sign_offs: list[SignOff] = Field(default_factory=list)
    changed_at: datetime | None = None
    changed_by: str | None = None

    @property
    def missing_roles(self) -> list[ApprovalRole]:
        signed = {s.role for s in self.sign_offs}
        return [role for role in self.required_roles if role not in signed]


class ReviewItem(_Record):
    """A version waiting in the review queue, and the roles that have not signed yet."""

    mapping_key: str
    mapping_name: str
    version: int
    submitted_by: str | None
    submitted_at: datetime | None
    missing_roles: list[ApprovalRole]
    signed_roles: list[ApprovalRole]


class AuditEntry(_Record):
    """Who did what, when, to which version of which mapping."""

    mapping_key: str
    version: int | None
    action: str
    actor: str
    at: datetime
    comment: str = ""
    details: dict[str, JsonValue] = Field(default_factory=dict)


#: What each lifecycle action does: the states it may start from and the state it leaves.
#: `sign_off` changes no state; `activate` also retires the version active before.
TRANSITIONS: dict[str, tuple[frozenset[LifecycleState], LifecycleState | None]] = {
    "submit": (frozenset({LifecycleState.DRAFT}), LifecycleState.IN_REVIEW),
    "sign_off": (frozenset({LifecycleState.IN_REVIEW}), None),
    "reject": (frozenset({LifecycleState.IN_REVIEW}), LifecycleState.DRAFT),
    "approve": (frozenset({LifecycleState.IN_REVIEW}), LifecycleState.APPROVED),
    "activate": (frozenset({LifecycleState.APPROVED}), LifecycleState.ACTIVE),
    "retire": (
        frozenset({LifecycleState.APPROVED, LifecycleState.ACTIVE}),
        LifecycleState.RETIRED,
    ),
}


_DONE = {
    "submit": "submitted for review",
    "sign_off": "signed off",
    "reject": "rejected",
    "approve": "approved",
    "activate": "activated",
    "retire": "retired",
}


def refusal(action: str, key: str, version: int, state: LifecycleState) -> str | None:
    """Why `action` cannot be done on a version in `state`, in words; None when it can."""
    allowed, _ = TRANSITIONS[action]
    if state in allowed:
        return None
    wanted = " or ".join(sorted(s.label for s in allowed))
    return (
        f"version {version} of {key!r} is {state.label}: only a version that is {wanted} "
        f"can be {_DONE[action]}"
    )
