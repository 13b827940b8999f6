"""Find credentials where only settings belong: connections, mapping documents, run details.

A secret belongs in the OS keyring; the store, exports and logs hold at most
a keyring *reference*. `find_secrets` walks any JSON value and reports every
place that holds one, by its dotted path:

* a key named like a secret (``password``, ``X-Auth-Token``, ``params.api_key``,
  ``client_secret``…) with a non-empty value;
* a URL with a password in its ``user:password@`` part (database URLs are read
  the way SQLAlchemy reads them, so ``postgresql://u:a/b#c?d@host/db`` is caught);
* a URL whose query has a parameter named like a secret (``?access_token=…``).

What "named like a secret" means is a list of name *words*, matched against a
name split at ``-``, ``_``, ``.`` and case changes (``X-Auth-Token`` → ``x auth
token``), plus whole names. The default list is `DEFAULT_SECRET_NAMES`; the
environment variable ``FIELDWRIGHT_SECRET_NAMES`` (comma-separated) adds names,
and a leading ``-`` removes one (``-cookie``). The check is pure: it never reads
the keyring or the network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from fieldwright.domain.document import MappingDocument

__all__ = [
    "DEFAULT_SECRET_NAMES",
    "SECRET_NAMES_ENV",
    "SecretFinding",
    "describe_findings",
    "document_secrets",
    "find_secrets",
    "is_secret_name",
    "mask_url",
    "secret_names",
    "split_url_password",
]

#: Adds (``name``) or removes (``-name``) names of the secret list; comma-separated.
SECRET_NAMES_ENV = "FIELDWRIGHT_SECRET_NAMES"

#: Words or whole names that mark a setting, header or query parameter as a secret.
DEFAULT_SECRET_NAMES = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "api_key",
        "access_key",
        "private_key",
        "secret_key",
        "client_secret",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "signature",
        "sessionid",
    }
)

_MASK = "***"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
# scheme://user:password@ the way SQLAlchemy reads a database URL: the password runs to
# the first "@" and may hold "/", "#" and "?".
_DB_USERINFO = re.compile(r"^(?P<head>[\w+.-]+://(?P<user>[^:/@]*):)(?P<password>[^@]*)(?=@)")
_SCHEME = re.compile(r"^[a-zA-Z][\w+.-]*://")


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """One place that holds a secret: its dotted path and what kind of secret it is."""

    path: str
    why: str

    def __str__(self) -> str:
        return f"{self.path} ({self.why})"


def secret_names(environ: dict[str, str] | None = None) -> frozenset[str]:
    """The names that mark a secret: the defaults, changed by ``FIELDWRIGHT_SECRET_NAMES``."""
    raw = (os.environ if environ is None else environ).get(SECRET_NAMES_ENV, "")
    names = set(DEFAULT_SECRET_NAMES)
    for item in raw.split(","):
        name = _normal(item.strip().lstrip("-"))
        if not name:
            continue
        if item.strip().startswith("-"):
            names.discard(name)
        else:
            names.add(name)
    return frozenset(names)


def _normal(name: str) -> str:
    return "_".join(part for part in _SPLIT.split(_CAMEL.sub("_", name).lower()) if part)


def is_secret_name(name: str, names: Iterable[str] | None = None) -> bool:
    """Whether a setting, header or parameter called `name` holds a secret."""
    known = frozenset(names) if names is not None else secret_names()
    normal = _normal(name)
    if not normal:
        return False
    if normal in known or normal.replace("_", "") in known:
        return True
    words = normal.split("_")
    # a multi-word entry ("api_key") matches as consecutive words ("x_api_key")
    for entry in known:
        parts = entry.split("_")
        for start in range(len(words) - len(parts) + 1):
            if words[start : start + len(parts)] == parts:
                return True
    return False


def split_url_password(url: str) -> tuple[str, str | None]:
    """`url` without the password of its ``user:password@`` part, and that password as written.

    HTTP(S) URLs are split as RFC 3986 says; other URLs (databases) the way
    SQLAlchemy reads them, so a password holding ``/``, ``#`` or ``?`` is found.
    """
    text = url.strip()
    if not _SCHEME.match(text):
        return text, None
    if text.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(text)
        except ValueError:
            return text, None
        if "@" not in parts.netloc:
            return text, None
        userinfo, host = parts.netloc.rsplit("@", 1)
        user, colon, password = userinfo.partition(":")
        if not colon or not password:
            return text, None
        return parts._replace(netloc=f"{user}@{host}").geturl(), password
    match = _DB_USERINFO.match(text)
    if match is None or not match.group("password"):
        return text, None
    bare = match.group("head")[:-1] + text[match.end() :]
    return bare, match.group("password")


def _query_secrets(url: str, names: frozenset[str]) -> list[str]:
    query = url.split("?", 1)[1] if "?" in url else ""
    query = query.split("#", 1)[0]
    pairs = parse_qsl(query, keep_blank_values=True)
    return [name for name, value in pairs if value and is_secret_name(name, names)]


def _url_findings(value: str, path: str, names: frozenset[str]) -> list[SecretFinding]:
    if not _SCHEME.match(value.strip()):
        return []
    found: list[SecretFinding] = []
    bare, password = split_url_password(value)
    if password:
        found.append(SecretFinding(path, "a password in the URL"))
    for name in _query_secrets(bare, names):
        found.append(SecretFinding(path, f"the query parameter {name!r} in the URL"))
    return found


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def find_secrets(
    value: Any, path: str = "", *, names: Iterable[str] | None = None
) -> list[SecretFinding]:
    """Every place in a JSON value (dicts, lists, strings) that holds a secret, by dotted path."""
    known = frozenset(names) if names is not None else secret_names()
    found: list[SecretFinding] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if is_secret_name(str(key), known) and _has_value(item) and not isinstance(item, dict):
                found.append(SecretFinding(where, "named like a secret"))
            else:
                found += find_secrets(item, where, names=known)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += find_secrets(item, f"{path}[{index}]", names=known)
    elif isinstance(value, str):
        found += _url_findings(value, path, known)
    return found


def mask_url(url: str, names: Iterable[str] | None = None) -> str:
    """`url` with its password and the values of its secret query parameters as ``***``."""
    known = frozenset(names) if names is not None else secret_names()
    text = url.strip()
    bare, password = split_url_password(text)
    if password:
        scheme, rest = bare.split("://", 1)
        user, _, host = rest.partition("@")
        text = f"{scheme}://{user}:{_MASK}@{host}"
    return _QUERY_VALUE.sub(
        lambda m: m.group(1) + (_MASK if is_secret_name(m.group(2), known) else m.group(3)), text
    )


_QUERY_VALUE = re.compile(r"([?&]([^=&#\s]+)=)([^&#\s]*)")


def document_secrets(document: MappingDocument | dict[str, Any]) -> list[SecretFinding]:
    """The secrets a mapping or template document (a model or its JSON data) holds in its
    source and target connectors and its ``connection_template``; field names, lookups
    and tests are records' data, not settings, and are not scanned."""
    data = document if isinstance(document, dict) else document.model_dump(mode="json")
    found: list[SecretFinding] = []
    for side in ("source", "target"):
        endpoint = data.get(side)
        connector = endpoint.get("connector") if isinstance(endpoint, dict) else None
        if connector:
            found += find_secrets(connector, f"{side}.connector")
    if data.get("connection_template"):
        found += find_secrets(data["connection_template"], "connection_template")
    return found


def describe_findings(findings: Iterable[SecretFinding]) -> str:
    """The findings as one phrase for a message: ``a.b (why), c (why)``."""
    return ", ".join(map(str, findings))
