"""`fieldwright credentials …`: secrets and certificates that expire.

    fieldwright credentials list [--json]                 every dated secret and certificate
    fieldwright credentials set NAME --expires DATE       when a connection's secret expires
                                     [--rotate-by DATE]   (and should be rotated by)
    fieldwright credentials attach NAME FILE --client C --system S
                                                          keep a certificate's facts
    fieldwright credentials detach KEY                    forget a certificate

Dates are ``YYYY-MM-DD`` (midnight UTC) or an ISO date and time (UTC unless it names
its offset); ``--expires none`` clears a date. `list` exits 1 when a secret or a
certificate has expired (as ``fieldwright status`` does), 0 otherwise.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from fieldwright.cli._common import ExitCode, database_option, reported_errors
from fieldwright.domain.certificates import ExpiryKind, ExpiryStage
from fieldwright.service import Service

__all__ = ["credentials", "parse_moment"]

_UNSET = "keep"


def parse_moment(text: str, option: str) -> datetime | None:
    """``2026-12-31`` (midnight UTC), an ISO date and time (UTC unless given), or
    ``none`` (no date)."""
    value = text.strip()
    if value.lower() in {"none", "never", ""}:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date: write YYYY-MM-DD, YYYY-MM-DDTHH:MM or none",
            param_hint=option,
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.group()
def credentials() -> None:
    """Secrets and certificates of saved connections that expire: list them, set dates,
    attach a certificate file."""


@credentials.command("list")
@database_option
@click.option("--connection", metavar="NAME", help="Only this connection.")
@click.option("--json", "as_json", is_flag=True, help="Print the expiries as JSON.")
def list_command(url: str | None, connection: str | None, as_json: bool) -> None:
    """Every dated secret, rotation date and certificate, soonest first, with its stage
    (ok, 30d, 7d, 1d, expired). Exit code 1 when one has expired."""
    now = datetime.now(UTC)
    with reported_errors(), Service.open(url) as service:
        expiries = service.connections.expiries(connection, now=now)
    if as_json:
        rows = [{**e.model_dump(mode="json"), "message": e.describe(now)} for e in expiries]
        click.echo(json.dumps(rows, indent=2))
    elif not expiries:
        click.echo("No connection has a dated secret or a certificate.")
    else:
        width = max(len(e.connection) for e in expiries)
        for e in expiries:
            what = e.certificate if e.kind is ExpiryKind.CERTIFICATE else e.kind.value
            click.echo(
                f"{e.stage.value:<8} {e.connection:<{width}}  {what:<24} "
                f"{e.at.strftime('%Y-%m-%d %H:%M')} UTC  {e.describe(now)}"
            )
    if any(e.stage is ExpiryStage.EXPIRED and e.kind is not ExpiryKind.ROTATION for e in expiries):
        raise SystemExit(int(ExitCode.FAILED))


@credentials.command("set")
@click.argument("name")
@database_option
@click.option("--expires", default=_UNSET, metavar="DATE", help="When the secret expires.")
@click.option("--rotate-by", default=_UNSET, metavar="DATE", help="When to rotate it by.")
def set_command(url: str | None, name: str, expires: str, rotate_by: str) -> None:
    """Set when connection NAME's secret expires and should be rotated by (an option not
    given keeps its date; `none` clears it)."""
    if expires == _UNSET and rotate_by == _UNSET:
        raise click.UsageError("give --expires, --rotate-by or both")
    with reported_errors(), Service.open(url) as service:
        record = service.connections.get(name)
        saved = service.connections.set_expiry(
            name,
            expires_at=record.expires_at
            if expires == _UNSET
            else parse_moment(expires, "--expires"),
            rotate_by=record.rotate_by
            if rotate_by == _UNSET
            else parse_moment(rotate_by, "--rotate-by"),
        )
    shown = {
        "expires_at": saved.expires_at.isoformat() if saved.expires_at else None,
        "rotate_by": saved.rotate_by.isoformat() if saved.rotate_by else None,
    }
    click.echo(f"{name}: {json.dumps(shown)}")


@credentials.command("attach")
@click.argument("name")
@click.argument("file", type=click.Path(path_type=Path))
@database_option
@click.option("--client", required=True, help="Client code of the key (e.g. ACME).")
@click.option("--system", required=True, help="Integration system code of the key (e.g. QBT).")
def attach_command(url: str | None, name: str, file: Path, client: str, system: str) -> None:
    """Read the X.509 certificate FILE (PEM, DER or a PEM bundle: the first certificate)
    and keep its facts with connection NAME as cert_{CLIENT}_{SYSTEM}_{yyyymmdd} (the
    date it expires). A private key in the file is never read or kept."""
    with reported_errors(), Service.open(url) as service:
        record = service.connections.attach_certificate(name, file, client=client, system=system)
    click.echo(
        f"{record.key}: {record.subject}, issued by {record.issuer}, valid "
        f"{record.not_before:%Y-%m-%d} → {record.not_after:%Y-%m-%d %H:%M} UTC"
    )


@credentials.command("detach")
@click.argument("key")
@database_option
def detach_command(url: str | None, key: str) -> None:
    """Forget certificate KEY (the file itself is left alone)."""
    with reported_errors(), Service.open(url) as service:
        service.connections.remove_certificate(key)
    click.echo(f"removed {key}")
