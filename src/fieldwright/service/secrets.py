"""Secrets in the OS keyring, for the app's own settings (a database password).

The connectors' keyring helpers behind the service's errors: a secret that cannot
be read or kept raises `CredentialProblem` with the connectors' message.
"""

from __future__ import annotations

from fieldwright.connectors import CredentialError, KeyringStatus
from fieldwright.connectors import get_secret as _get_secret
from fieldwright.connectors import keyring_status as _keyring_status
from fieldwright.connectors import set_secret as _set_secret
from fieldwright.domain import CredentialRef
from fieldwright.service.errors import CredentialProblem

__all__ = ["KeyringStatus", "get_secret", "keyring_status", "set_secret"]


def keyring_status() -> KeyringStatus:
    """Whether the OS keyring can hold secrets, which backend it is, and how to fix it if not."""
    return _keyring_status()


def get_secret(ref: CredentialRef) -> str:
    """The secret kept under `ref`; CredentialProblem says how to add a missing one."""
    try:
        return _get_secret(ref)
    except CredentialError as exc:
        raise CredentialProblem(str(exc)) from exc


def set_secret(ref: CredentialRef, secret: str) -> None:
    """Keep `secret` in the keyring under `ref` (replacing any earlier one)."""
    try:
        _set_secret(ref, secret)
    except CredentialError as exc:
        raise CredentialProblem(str(exc)) from exc
