"""Secrets of connections (passwords, tokens, API keys) in the OS keyring, never in the store.

A connection or a mapping document holds a `CredentialRef` (service and
username); the secret itself is read from the keyring when a connector
needs it. Every secret set or fetched here is registered with the masker,
so `mask` and `SecretMasker` hide it from log records, error messages and
exports for the rest of the process.

The keyring must be one known to keep secrets safe: the backend classes in
`TRUSTED_KEYRINGS` (Secret Service such as GNOME Keyring or KWallet, macOS
Keychain, Windows Credential Locker). Any other backend — a plain or
"encrypted" file of ``keyrings.alt``, a third-party one — is refused unless
its class (``module.QualName``) is listed in ``FIELDWRIGHT_TRUSTED_KEYRINGS``
(comma-separated), or the caller accepts any backend with
``allow_plaintext=True`` or ``FIELDWRIGHT_ALLOW_PLAINTEXT_KEYRING=1``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from fieldwright.connectors._secrets import (
    MASK,
    SecretMasker,
    install_secret_masker,
    mask,
    register_secret,
)
from fieldwright.connectors.errors import CredentialError
from fieldwright.domain.document import CredentialRef

__all__ = [
    "ALLOW_PLAINTEXT_ENV",
    "TRUSTED_KEYRINGS",
    "TRUSTED_KEYRINGS_ENV",
    "CredentialError",
    "Credentials",
    "KeyringStatus",
    "SecretMasker",
    "delete_secret",
    "get_secret",
    "install_secret_masker",
    "keyring_status",
    "mask",
    "register_secret",
    "set_secret",
]

#: Set to 1 to accept any keyring backend, even one that stores secrets in a plain file.
ALLOW_PLAINTEXT_ENV = "FIELDWRIGHT_ALLOW_PLAINTEXT_KEYRING"
#: More keyring backend classes to trust (``module.QualName``, comma-separated).
TRUSTED_KEYRINGS_ENV = "FIELDWRIGHT_TRUSTED_KEYRINGS"
#: The keyring backends that keep secrets encrypted by the OS, trusted by default.
TRUSTED_KEYRINGS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
    }
)

_HOW_TO_FIX = (
    "install and unlock a Secret Service (GNOME Keyring or KWallet) in your desktop session, "
    "or set PYTHON_KEYRING_BACKEND to a keyring backend class "
    "(e.g. keyring.backends.SecretService.Keyring)"
)


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether the OS keyring can hold secrets, which backend it is, and how to fix it if not."""

    usable: bool
    backend: str
    message: str


def _name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _trusted_names() -> frozenset[str]:
    extra = os.environ.get(TRUSTED_KEYRINGS_ENV, "")
    return TRUSTED_KEYRINGS | {name.strip() for name in extra.split(",") if name.strip()}


def _plaintext_allowed(allow_plaintext: bool | None) -> bool:
    if allow_plaintext is not None:
        return allow_plaintext
    return os.environ.get(ALLOW_PLAINTEXT_ENV, "").strip().lower() in {"1", "true", "yes"}


def keyring_status(*, allow_plaintext: bool | None = None) -> KeyringStatus:
    """Tell whether the current keyring backend can hold Fieldwright's secrets."""
    backend = keyring.get_keyring()
    name = _name(backend)
    members: list[keyring.backend.KeyringBackend] = [backend]
    if isinstance(backend, chainer.ChainerBackend):
        members = list(backend.backends)
    if isinstance(backend, fail.Keyring | null.Keyring) or not members:
        return KeyringStatus(
            False, name, f"no usable OS keyring to keep passwords and tokens in; {_HOW_TO_FIX}"
        )
    trusted = _trusted_names()
    unknown = [_name(member) for member in members if _name(member) not in trusted]
    if unknown and not _plaintext_allowed(allow_plaintext):
        return KeyringStatus(
            False,
            name,
            f"the keyring backend {', '.join(unknown)} is not one known to keep secrets safe "
            f"(it may store them in a plain file), so Fieldwright refuses it; {_HOW_TO_FIX}; "
            f"or, if you trust it, add its class to {TRUSTED_KEYRINGS_ENV} "
            f"(or set {ALLOW_PLAINTEXT_ENV}=1 to accept any backend)",
        )
    return KeyringStatus(True, name, f"secrets are kept by {name}")


def _usable_keyring(allow_plaintext: bool | None) -> keyring.backend.KeyringBackend:
    status = keyring_status(allow_plaintext=allow_plaintext)
    if not status.usable:
        raise CredentialError(status.message)
    return keyring.get_keyring()


def _where(ref: CredentialRef) -> str:
    return f"keyring entry {ref.service}/{ref.username}"


def set_secret(ref: CredentialRef, secret: str, *, allow_plaintext: bool | None = None) -> None:
    """Store `secret` in the keyring under `ref` (replacing any previous one)."""
    if not secret:
        raise CredentialError("refusing to store an empty secret", target=_where(ref))
    register_secret(secret)
    backend = _usable_keyring(allow_plaintext)
    try:
        backend.set_password(ref.service, ref.username, secret)
    except keyring.errors.KeyringError as exc:
        raise CredentialError(
            f"the keyring refused to store the secret ({mask(str(exc))}); "
            "unlock the keyring and try again",
            target=_where(ref),
        ) from exc


def get_secret(ref: CredentialRef, *, allow_plaintext: bool | None = None) -> str:
    """The secret stored under `ref`; a `CredentialError` says how to add a missing one."""
    backend = _usable_keyring(allow_plaintext)
    try:
        secret = backend.get_password(ref.service, ref.username)
    except keyring.errors.KeyringError as exc:
        raise CredentialError(
            f"cannot read the secret from the keyring ({mask(str(exc))}); "
            "unlock the keyring and try again",
            target=_where(ref),
        ) from exc
    if not secret:
        raise CredentialError(
            "no secret is stored; enter it again in the connection's settings",
            target=_where(ref),
        )
    register_secret(secret)
    return secret


def delete_secret(
    ref: CredentialRef, *, missing_ok: bool = True, allow_plaintext: bool | None = None
) -> None:
    """Remove the secret stored under `ref`; a missing one is fine unless `missing_ok` is false."""
    backend = _usable_keyring(allow_plaintext)
    try:
        backend.delete_password(ref.service, ref.username)
    except keyring.errors.PasswordDeleteError as exc:
        if not missing_ok:
            raise CredentialError("no secret is stored", target=_where(ref)) from exc
    except keyring.errors.KeyringError as exc:
        raise CredentialError(
            f"cannot delete the secret from the keyring ({mask(str(exc))})", target=_where(ref)
        ) from exc


@dataclass(frozen=True)
class Credentials:
    """What a connector authenticates with: a keyring reference read when needed, or a secret.

    Settings never hold secrets; a connector asks its `Credentials` for
    `secret()` at the moment it connects. `from_secret` is for secrets given
    at run time (a CLI prompt, a CI variable); they are registered with the
    masker like keyring secrets.
    """

    ref: CredentialRef | None = None
    #: A username for schemes that need one (HTTP basic), when the reference has none.
    user: str | None = None
    allow_plaintext: bool | None = None
    _secret: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_keyring(
        cls, ref: CredentialRef, *, allow_plaintext: bool | None = None
    ) -> Credentials:
        return cls(ref=ref, allow_plaintext=allow_plaintext)

    @classmethod
    def from_secret(cls, secret: str, *, username: str | None = None) -> Credentials:
        if not secret:
            raise CredentialError("an empty secret was given")
        register_secret(secret)
        return cls(user=username, _secret=secret)

    @property
    def username(self) -> str | None:
        if self.user is not None:
            return self.user
        return self.ref.username if self.ref is not None else None

    def secret(self) -> str:
        if self._secret is not None:
            return self._secret
        if self.ref is None:
            raise CredentialError("no credential is configured for this connection")
        return get_secret(self.ref, allow_plaintext=self.allow_plaintext)

    def __repr__(self) -> str:
        where = _where(self.ref) if self.ref is not None else f"a given secret ({MASK})"
        return f"Credentials({where})"
