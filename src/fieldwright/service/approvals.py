"""Approvals before production: submit a mapping version for review, sign it off per role,
approve, activate and retire it, and read the review queue and the audit trail.

Enforcement is a store setting, ``require_approval``: off by default (and for
every store made before revision 0006), so schedules run the latest saved
version as they always did; once it is on (the app's Settings page, or
`fieldwright review require --on`), a schedule runs only its mapping's active
version and a fire with none is recorded failed, "no approved active version".

The testing sign-off runs the version's own test suite: every test must pass
and the coverage must reach the threshold of the version's approval settings;
the results are kept with the sign-off.

A key names a stored mapping, else a stored pipeline: a pipeline's versions follow
the same lifecycle (revision 0008), its testing sign-off runs the pipeline's tests
(coverage: the steps they reach), and its schedules run only its active version
when approval is required.
"""

from __future__ import annotations

from typing import Any

from fieldwright.domain.approvals import (
    ApprovalRole,
    AuditEntry,
    LifecycleState,
    ReviewItem,
    VersionLifecycle,
)
from fieldwright.domain.document import ConnectorRef, MappingDocument
from fieldwright.domain.pipeline import EnrichStep, PipelineDocument, PipelineStep, RouteStep
from fieldwright.domain.secrets_scan import mask_url
from fieldwright.service._boundary import service_errors
from fieldwright.service.errors import InvalidRequest
from fieldwright.service.stored_pipelines import StoredPipelines
from fieldwright.service.suites import run_document_tests
from fieldwright.store import LifecycleRepository, MappingRepository, Store, StoreSettings

__all__ = ["NO_ACTIVE_VERSION", "REQUIRE_APPROVAL", "Approvals", "parse_role", "security_summary"]

#: The store setting that makes schedules run only active versions.
REQUIRE_APPROVAL = "require_approval"
#: Why a schedule's fire did not run when approval is required and nothing is active.
NO_ACTIVE_VERSION = "no approved active version"


def parse_role(text: str | ApprovalRole) -> ApprovalRole:
    """A role from its name (``data_owner``, ``data-owner``); InvalidRequest lists the roles."""
    if isinstance(text, ApprovalRole):
        return text
    try:
        return ApprovalRole(text.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        roles = ", ".join(role.value for role in ApprovalRole)
        raise InvalidRequest(f"unknown role {text!r}; the roles are {roles}") from None


def security_summary(document: MappingDocument | PipelineDocument) -> dict[str, Any]:
    """What a security reviewer looks at: the connectors and credentials the version uses
    (names only, never secrets) and the field mappings that mask or hash. A pipeline's
    summary also lists what its steps read and where its records go: `enrich_sources`
    (each enrich step's file, SQL table or query, or HTTP endpoint) and `targets` (its
    output and each route branch's own), each with its JSON pointer; a URL shows
    without its password or secret query values, headers not at all. Its map steps
    name their mappings, reviewed on their own: no masked field is listed here."""
    sides: dict[str, Any] = {}
    for side, endpoint in (("source", document.source), ("target", document.target)):
        ref = endpoint.connector
        if ref is None:
            continue
        sides[side] = {
            "kind": ref.kind,
            "connection": ref.connection,
            "credential": ref.credential.model_dump(mode="json") if ref.credential else None,
        }
    fields = document.fields if isinstance(document, MappingDocument) else []
    masked = [
        {"target": field.target, "steps": [step.fn for step in field.transforms]}
        for field in fields
        if any(_masks(step.fn) for step in field.transforms)
    ]
    summary: dict[str, Any] = {"connectors": sides, "masked_fields": masked}
    if isinstance(document, PipelineDocument):
        sources: list[dict[str, Any]] = []
        targets: list[dict[str, Any]] = []
        if document.target.connector is not None:
            targets.append(
                {"name": "output", "pointer": "/target", **_reached(document.target.connector)}
            )
        _walk_steps(document.steps, "", "", sources, targets)
        summary["enrich_sources"] = sources
        summary["targets"] = targets
    return summary


def _walk_steps(
    steps: list[PipelineStep],
    pointer: str,
    prefix: str,
    sources: list[dict[str, Any]],
    targets: list[dict[str, Any]],
) -> None:
    """The enrich sources and branch targets of `steps`, route branches' all levels down;
    names as a run's dead letters give them (``route/branch/step``)."""
    for n, step in enumerate(steps):
        where = f"{pointer}/steps/{n}"
        if isinstance(step, EnrichStep):
            sources.append(
                {"step": prefix + step.name, "pointer": where + "/source", **_reached(step.source)}
            )
        elif isinstance(step, RouteStep):
            for b, branch in enumerate(step.branches):
                inside = f"{where}/branches/{b}"
                name = f"{prefix}{step.name}/{branch.name}"
                if branch.target is not None and branch.target.connector is not None:
                    targets.append(
                        {
                            "name": name,
                            "pointer": inside + "/target",
                            **_reached(branch.target.connector),
                        }
                    )
                _walk_steps(branch.steps, inside, name + "/", sources, targets)


def _reached(ref: ConnectorRef) -> dict[str, Any]:
    """What a connector reaches, without secrets: a file's path, a SQL table or query and
    its database, an endpoint's URL and its kind of auth; its saved connection and the
    keyring entry (service and user) of its credential."""
    settings = ref.settings
    kind = ref.kind.lower()
    reached: dict[str, Any] = {"kind": ref.kind, "connection": ref.connection}
    url = settings.get("url")
    if kind == "sql":
        for name in ("table", "query", "schema"):
            if isinstance(settings.get(name), str):
                reached[name] = settings[name]
        if isinstance(url, str):
            reached["url"] = mask_url(url)
    elif kind == "http":
        if isinstance(url, str):
            reached["url"] = mask_url(url)
        auth = settings.get("auth")
        if isinstance(auth, dict):
            reached["auth"] = str(auth.get("type") or auth.get("kind") or "none")
    elif isinstance(settings.get("path"), str):
        reached["path"] = settings["path"]
    reached["credential"] = ref.credential.model_dump(mode="json") if ref.credential else None
    return reached


def _masks(fn: str) -> bool:
    return any(word in fn for word in ("mask", "hash", "redact", "sha", "md5"))


class Approvals:
    """The lifecycle of the mapping versions of one open store; reached as
    `Service.approvals`. Every method acts as the store's user and is audited."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._repo = LifecycleRepository(store)
        self._mappings = MappingRepository(store)
        self._pipelines = StoredPipelines(store)
        self._settings = StoreSettings(store)

    # -- the setting ------------------------------------------------------------------------

    @property
    def require_approval(self) -> bool:
        """Whether schedules run only active (approved) versions."""
        with service_errors("reading the store's settings"):
            return bool(self._settings.get(REQUIRE_APPROVAL, False))

    def set_require_approval(self, required: bool) -> None:
        with service_errors("changing the store's settings"):
            self._settings.set(REQUIRE_APPROVAL, bool(required))

    def version_to_run(self, key: str) -> int | None:
        """The version a schedule runs: the active one when approval is required (an
        InvalidRequest saying "no approved active version" when there is none), else
        None, the latest."""
        if not self.require_approval:
            return None
        with service_errors(f"reading the lifecycle of {key!r}"):
            active = self._repo.active_version(key)
        if active is None:
            raise InvalidRequest(f"{NO_ACTIVE_VERSION} of {self._what(key)} {key!r}")
        return active

    def _is_pipeline(self, key: str) -> bool:
        """Whether `key` names a stored pipeline and no stored mapping (as the lifecycle
        reads a key)."""
        with service_errors(f"reading {key!r}"):
            if self._mappings.exists(key):
                return False
        return self._pipelines.exists(key)

    def _what(self, key: str) -> str:
        return "pipeline" if self._is_pipeline(key) else "mapping"

    def _latest(self, key: str) -> int:
        if self._is_pipeline(key):
            return self._pipelines.open(key).version or 1
        with service_errors(f"reading mapping {key!r}"):
            return self._mappings.latest_version(key)

    # -- reading ----------------------------------------------------------------------------

    def lifecycle(self, key: str, version: int | None = None) -> VersionLifecycle:
        """Where `version` (default: the latest) of `key` is, with its sign-offs."""
        with service_errors(f"reading the lifecycle of {key!r}"):
            return self._repo.lifecycle(key, version)

    def versions(self, key: str) -> list[VersionLifecycle]:
        """Every version of `key` with its state, newest first."""
        with service_errors(f"reading the lifecycle of {key!r}"):
            return self._repo.versions(key)

    def active_version(self, key: str) -> int | None:
        with service_errors(f"reading the lifecycle of {key!r}"):
            return self._repo.active_version(key)

    def review_queue(self, user: str | None = None) -> list[ReviewItem]:
        """Versions in review, oldest first; with `user`, those still waiting for them."""
        with service_errors("reading the review queue"):
            return self._repo.review_queue(user)

    def audit(self, key: str) -> list[AuditEntry]:
        """Who did what to which version of `key`, and when; newest first."""
        with service_errors(f"reading the audit trail of {key!r}"):
            return self._repo.audit(key)

    def security_summary(self, key: str, version: int | None = None) -> dict[str, Any]:
        """`security_summary` of a stored version (default: the one in review, else latest)."""
        number = version or self._default(key, LifecycleState.IN_REVIEW, fallback_latest=True)
        if self._is_pipeline(key):
            return security_summary(self._pipelines.open(key, number))
        with service_errors(f"reading version {number} of {key!r}"):
            return security_summary(self._mappings.load_mapping(key, number))

    # -- changing ---------------------------------------------------------------------------

    def _default(self, key: str, state: LifecycleState, *, fallback_latest: bool = False) -> int:
        with service_errors(f"reading the lifecycle of {key!r}"):
            found = self._repo.versions_in(key, [state])
            if found:
                return found[0]
        latest = self._latest(key)
        if fallback_latest:
            return latest
        raise InvalidRequest(f"no version of {key!r} is {state.label}")

    def _change(
        self,
        action: str,
        key: str,
        version: int,
        comment: str = "",
        *,
        role: ApprovalRole | None = None,
        details: dict[str, Any] | None = None,
    ) -> VersionLifecycle:
        with service_errors(f"{self._what(key)} {key!r}"):
            return self._repo.change(
                action, key, version, comment=comment, role=role, details=details
            )

    def submit_for_review(
        self, key: str, version: int | None = None, comment: str = ""
    ) -> VersionLifecycle:
        """Put `version` (default: the latest) of `key` in review."""
        if version is None:
            version = self._latest(key)
        return self._change("submit", key, version, comment)

    def sign_off(
        self,
        key: str,
        role: str | ApprovalRole,
        comment: str = "",
        version: int | None = None,
    ) -> VersionLifecycle:
        """Sign off `role` for the version of `key` in review (or `version`).

        A testing sign-off runs the version's tests first and is refused, with the
        failures or the coverage, unless every test passes and the coverage reaches
        the threshold; the results are recorded with it.
        """
        chosen = parse_role(role)
        number = version or self._default(key, LifecycleState.IN_REVIEW)
        details: dict[str, Any] = {}
        if chosen is ApprovalRole.TESTING_SIGNOFF:
            details = self._suite_results(key, number)
        return self._change("sign_off", key, number, comment, role=chosen, details=details)

    def _suite_results(self, key: str, version: int) -> dict[str, Any]:
        lifecycle = self.lifecycle(key, version)
        pipeline = self._is_pipeline(key)
        if pipeline:
            suite = self._pipelines.run_tests(key, version)
        else:
            with service_errors(f"reading version {version} of {key!r}"):
                document = self._mappings.load_mapping(key, version)
            suite = run_document_tests(document)
        threshold = lifecycle.coverage_threshold
        where = f"testing sign-off of version {version} of {key!r} refused"
        what = "pipeline" if pipeline else "mapping"
        if not suite.results:
            raise InvalidRequest(f"{where}: the {what} has no tests; add tests first")
        if not suite.ok:
            failed = [r.name for r in suite.results if not r.passed]
            raise InvalidRequest(
                f"{where}: {len(failed)} of {len(suite.results)} tests fail ({', '.join(failed)})"
            )
        if suite.coverage.ratio < threshold:
            unchecked = ", ".join(suite.coverage.unchecked)
            checked = "reach" if pipeline else "check"
            parts = "steps" if pipeline else "target fields"
            raise InvalidRequest(
                f"{where}: the tests {checked} {suite.coverage.ratio:.0%} of the {parts}, "
                f"below the {threshold:.0%} required (unchecked: {unchecked})"
            )
        return {
            "tests": len(suite.results),
            "passed": suite.passed,
            "failed": suite.failed,
            "coverage": round(suite.coverage.ratio, 4),
            "threshold": threshold,
        }

    def reject(self, key: str, comment: str, version: int | None = None) -> VersionLifecycle:
        """Send the version in review back to draft; its sign-offs are withdrawn."""
        if not comment.strip():
            raise InvalidRequest("say why the version is rejected (a comment is required)")
        number = version or self._default(key, LifecycleState.IN_REVIEW)
        return self._change("reject", key, number, comment)

    def approve(self, key: str, version: int | None = None, comment: str = "") -> VersionLifecycle:
        """Approve the version in review once every required role has signed."""
        number = version or self._default(key, LifecycleState.IN_REVIEW)
        return self._change("approve", key, number, comment)

    def activate(self, key: str, version: int | None = None, comment: str = "") -> VersionLifecycle:
        """Make the approved version (or `version`) the one schedules run; the version
        active before is retired."""
        number = version or self._default(key, LifecycleState.APPROVED)
        return self._change("activate", key, number, comment)

    def retire(self, key: str, version: int | None = None, comment: str = "") -> VersionLifecycle:
        """Retire the active version (or `version`): schedules stop running it."""
        number = version or self._default(key, LifecycleState.ACTIVE)
        return self._change("retire", key, number, comment)
