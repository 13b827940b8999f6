"""`fieldwright review …`: approvals before production, headless.

    fieldwright review list [--mine]           the review queue
    fieldwright review show KEY                each version's state, its sign-offs, the audit
    fieldwright review submit KEY              put the latest version in review
    fieldwright review sign KEY --role R       sign off one role (testing runs the suite)
    fieldwright review approve|reject KEY      once every role has signed / back to draft
    fieldwright review activate|retire KEY     what schedules run
    fieldwright review require --on|--off      schedules run only active versions, or not

The signer is the OS user unless `--as NAME` says otherwise (a CI robot). A
refused step (a failing suite, a role already signed, a version in the wrong
state) exits 2 with the reason; an unknown mapping or a store problem exits 1.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import ParamSpec, TypeVar

import click

from fieldwright.cli._common import database_option
from fieldwright.domain.approvals import ApprovalRole, VersionLifecycle
from fieldwright.service import Approvals, InvalidRequest, Service, ServiceError

__all__ = ["review"]

P = ParamSpec("P")
R = TypeVar("R")
ROLES = click.Choice([role.value for role in ApprovalRole])


def _clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InvalidRequest as exc:
            raise click.UsageError(str(exc)) from exc
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@contextmanager
def _service(url: str | None, user: str | None) -> Iterator[Service]:
    service = Service.open(url, user=user)
    try:
        yield service
    finally:
        service.close()


def _as_option(command: Callable[P, R]) -> Callable[P, R]:
    return click.option("--as", "user", metavar="NAME", help="Act as NAME (default: the OS user).")(
        command
    )


def _version_option(command: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--version",
        "version",
        type=click.IntRange(min=1),
        help="The version to act on (default: the one the step applies to).",
    )(command)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "-"


def _said(lifecycle: VersionLifecycle) -> str:
    return f"{lifecycle.mapping_key} version {lifecycle.version}: {lifecycle.state.label}"


@click.group("review")
def review() -> None:
    """Review, sign off, approve, activate and retire mapping versions."""


@review.command("list")
@click.option("--mine", is_flag=True, help="Only versions still waiting for me.")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON.")
@_as_option
@database_option
@_clear_errors
def list_queue(mine: bool, as_json: bool, user: str | None, url: str | None) -> None:
    """The review queue: versions in review and the roles still to sign, oldest first."""
    with _service(url, user) as service:
        items = service.approvals.review_queue(service.user if mine else None)
    if as_json:
        click.echo(json.dumps([item.model_dump(mode="json") for item in items], indent=2))
        return
    if not items:
        click.echo("nothing waits for review")
        return
    for item in items:
        waiting = ", ".join(role.value for role in item.missing_roles) or "approval"
        click.echo(
            f"{item.mapping_key}  v{item.version}  submitted by {item.submitted_by or '-'} "
            f"{_when(item.submitted_at)}  waiting for: {waiting}"
        )


@review.command("show")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print versions and audit as JSON.")
@database_option
@_clear_errors
def show(key: str, as_json: bool, url: str | None) -> None:
    """Each version's state and sign-offs, and the audit trail of mapping KEY."""
    with _service(url, None) as service:
        versions = service.approvals.versions(key)
        audit = service.approvals.audit(key)
        required = service.approvals.require_approval
    if as_json:
        data = {
            "require_approval": required,
            "versions": [v.model_dump(mode="json") for v in versions],
            "audit": [entry.model_dump(mode="json") for entry in audit],
        }
        click.echo(json.dumps(data, indent=2))
        return
    enforced = "schedules run only the active version" if required else "approval not required"
    click.echo(f"{key} ({enforced})")
    for lifecycle in versions:
        click.echo(f"  version {lifecycle.version}: {lifecycle.state.label}")
        for sign in lifecycle.sign_offs:
            note = f" — {sign.comment}" if sign.comment else ""
            click.echo(f"    ✓ {sign.role.value} by {sign.signed_by} {_when(sign.signed_at)}{note}")
        if lifecycle.state.value == "in_review" and lifecycle.missing_roles:
            missing = ", ".join(role.value for role in lifecycle.missing_roles)
            click.echo(f"    waiting for: {missing}")
    if audit:
        click.echo("audit:")
        for entry in audit:
            version = f" v{entry.version}" if entry.version is not None else ""
            role = entry.details.get("role")
            what = f"{entry.action} {role}" if isinstance(role, str) else entry.action
            note = f" — {entry.comment}" if entry.comment else ""
            click.echo(f"  {_when(entry.at)}  {entry.actor}  {what}{version}{note}")


Step = Callable[[Approvals, str, int | None, str], VersionLifecycle]


def _step(name: str, help_text: str, act: Step) -> None:
    @review.command(name, help=help_text)
    @click.argument("key")
    @click.option("--comment", "-m", default="", help="Why (kept in the audit).")
    @_version_option
    @_as_option
    @database_option
    @_clear_errors
    def command(
        key: str, comment: str, version: int | None, user: str | None, url: str | None
    ) -> None:
        with _service(url, user) as service:
            done = act(service.approvals, key, version, comment)
        click.echo(_said(done))


_step(
    "submit",
    "Put the latest version (or --version) of mapping KEY in review.",
    lambda a, key, version, comment: a.submit_for_review(key, version, comment),
)
_step(
    "approve",
    "Approve the version of KEY in review once every required role signed.",
    lambda a, key, version, comment: a.approve(key, version, comment),
)
_step(
    "reject",
    "Send the version of KEY in review back to draft, saying why.",
    lambda a, key, version, comment: a.reject(key, comment, version),
)
_step(
    "activate",
    "Make the approved version of KEY the one schedules run (the active one retires).",
    lambda a, key, version, comment: a.activate(key, version, comment),
)
_step(
    "retire",
    "Retire the active version of KEY: schedules stop running it.",
    lambda a, key, version, comment: a.retire(key, version, comment),
)


@review.command("sign")
@click.argument("key")
@click.option("--role", "role", type=ROLES, required=True, help="The role you sign for.")
@click.option("--comment", "-m", default="", help="What you checked (kept with the sign-off).")
@_version_option
@_as_option
@database_option
@_clear_errors
def sign(
    key: str, role: str, comment: str, version: int | None, user: str | None, url: str | None
) -> None:
    """Sign off ROLE for the version of KEY in review (testing_signoff runs its tests)."""
    with _service(url, user) as service:
        done = service.approvals.sign_off(key, role, comment, version)
    signed = next(s for s in done.sign_offs if s.role.value == role)
    results = ""
    if signed.details:
        results = f" (tests {signed.details.get('passed')} passed, coverage " + (
            f"{float(str(signed.details.get('coverage'))):.0%})"
        )
    click.echo(f"{_said(done)}; {role} signed by {signed.signed_by}{results}")
    if done.missing_roles:
        click.echo(f"waiting for: {', '.join(r.value for r in done.missing_roles)}")


@review.command("require")
@click.option("--on/--off", "required", default=None, help="Turn enforcement on or off.")
@_as_option
@database_option
@_clear_errors
def require(required: bool | None, user: str | None, url: str | None) -> None:
    """Whether schedules run only active versions (prints it without --on/--off)."""
    with _service(url, user) as service:
        if required is not None:
            service.approvals.set_require_approval(required)
        now = service.approvals.require_approval
    click.echo("approval required: " + ("on" if now else "off"))
