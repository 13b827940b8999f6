"""Where the store lives: an explicit URL, else FIELDWRIGHT_DATABASE_URL, else a SQLite file.

The default is ``fieldwright.db`` in the per-user data directory (platformdirs).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from fieldwright.store.errors import StoreError

__all__ = [
    "ENV_VAR",
    "DatabaseLocation",
    "default_url",
    "describe",
    "masked_url",
    "parse_url",
    "resolve",
    "resolve_url",
    "sqlite_path",
]

ENV_VAR = "FIELDWRIGHT_DATABASE_URL"
FILE_NAME = "fieldwright.db"

Origin = Literal["argument", "environment", "default"]


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("fieldwright", appauthor=False)) / FILE_NAME


def default_url() -> str:
    return f"sqlite:///{default_path()}"


def resolve_url(url: str | None = None) -> tuple[str, Origin]:
    """The database URL to use and where it came from: argument > environment > default."""
    if url:
        return url, "argument"
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env, "environment"
    return default_url(), "default"


#: The password of a URL as typed: after "scheme://user:", up to the last "@" of the host part.
_PASSWORD = re.compile(r"^([^:/?#]+://[^:/?#@]*:)[^/?#]*@")


def masked_url(url: str) -> str:
    """`url` as typed with its password replaced by ``***``; it need not be a valid URL."""
    return _PASSWORD.sub(r"\1***@", url)


def parse_url(url: str) -> URL:
    """Parse and check a database URL; plain ``postgresql://`` uses psycopg 3.

    A URL that cannot be parsed (a port that is not a number, no scheme) is a
    `StoreError` naming it with its password masked.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        reason = "the port is not a number; " if isinstance(exc, ValueError) else ""
        raise StoreError(
            f"not a database URL: {masked_url(url)!r} ({reason}use "
            "sqlite:///path/to/fieldwright.db or postgresql+psycopg://user@host:5432/dbname)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError("the store needs a SQLite file, not an in-memory database")
        return parsed
    raise StoreError(
        f"unsupported database {backend!r}: Fieldwright stores in SQLite or PostgreSQL"
    )


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for other databases."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    database = url.database
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database).expanduser()


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """A printable description of where the store is; never includes a password."""

    backend: str
    url: str
    origin: Origin
    path: Path | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None

    def __str__(self) -> str:
        if self.path is not None:
            return f"SQLite file {self.path}"
        port = f":{self.port}" if self.port else ""
        return f"PostgreSQL database {self.database!r} on {self.host or 'localhost'}{port}"

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "backend": self.backend,
            "url": self.url,
            "origin": self.origin,
            "path": str(self.path) if self.path else None,
            "host": self.host,
            "port": self.port,
            "database": self.database,
        }


def describe(url: str | None = None) -> DatabaseLocation:
    """Where the store resolved from `url` lives, for `fieldwright db info` and error messages."""
    return resolve(url)[1]


def resolve(url: str | None = None) -> tuple[URL, DatabaseLocation]:
    """The parsed URL to connect with (password included) and its printable location."""
    raw, origin = resolve_url(url)
    try:
        parsed = parse_url(raw)
    except StoreError as exc:
        if origin != "environment":
            raise
        raise StoreError(f"{ENV_VAR}: {exc}") from exc
    shown = parsed.render_as_string(hide_password=True)
    path = sqlite_path(parsed)
    if path is not None:
        return parsed, DatabaseLocation("sqlite", shown, origin, path=path)
    return parsed, DatabaseLocation(
        parsed.get_backend_name(),
        shown,
        origin,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
