"""The app's settings: one typed spec, persisted with QSettings.

Tests pass their own `QSettings` (an ini file under a temporary directory),
so they never read or write the user's real settings.

The database URL is kept without its password: a PostgreSQL password goes to
the OS keyring (service ``fieldwright``, user ``database:<url without it>``)
and `startup_database_url` puts it back into the URL when the app starts.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from fieldwright.app.shell.zones import local_zone_name
from fieldwright.domain import CredentialRef
from fieldwright.domain.private_files import private_file
from fieldwright.domain.secrets_scan import split_url_password
from fieldwright.service import CredentialProblem, get_secret, keyring_status, set_secret

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "SAMPLE_SIZE_RANGE",
    "SPEC",
    "AppSettings",
    "Setting",
    "database_credential",
    "split_password",
    "startup_database_url",
    "user_settings",
    "with_kept_password",
]

MAX_RECENT = 8
#: Records the Preview reads from a sample file (what it read before this was a setting).
DEFAULT_SAMPLE_SIZE = 1000
SAMPLE_SIZE_RANGE = (10, 10_000)
DATABASE_ENV = "FIELDWRIGHT_DATABASE_URL"
KEYRING_SERVICE = "fieldwright"


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    type: type
    doc: str


SPEC: tuple[Setting, ...] = (
    Setting("window/geometry", QByteArray, "Main window position and size"),
    Setting("window/state", QByteArray, "Main window toolbars and docks"),
    Setting("splitters/<name>", list, "Sizes of each splitter, by its object name"),
    Setting("recent/files", list, "Recently opened mapping files, newest first"),
    Setting("appearance/theme", str, "light or dark"),
    Setting(
        "database/url",
        str,
        "The store's database URL, never with a password (that is in the keyring); "
        "empty: FIELDWRIGHT_DATABASE_URL, else the SQLite file in the user data directory. "
        "Read at start-up.",
    ),
    Setting("general/time_zone", str, "Default IANA time zone of new schedules (local zone)"),
    Setting("preview/sample_size", int, "How many records the Preview reads from a sample file"),
)


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def split_password(url: str) -> tuple[str, str | None]:
    """`url` without the password of its ``user:password@`` part, and that password (as written).

    Database URLs are split the way SQLAlchemy reads them, so a password holding
    ``/``, ``#`` or ``?`` is found (and kept out of the settings file) too.
    """
    return split_url_password(url)


#: ``scheme://user@`` at the start of a URL: a user name the password goes after.
_USER_AT = re.compile(r"^([\w+.-]+://[^/:@?#]+)@")


def _has_user(url: str) -> bool:
    return _USER_AT.match(url.strip()) is not None


def _with_password(url: str, password: str) -> str:
    return _USER_AT.sub(lambda m: f"{m.group(1)}:{password}@", url.strip(), count=1)


def database_credential(url: str) -> CredentialRef:
    """Where the password of the database at `url` (given without it) is kept in the keyring."""
    return CredentialRef(service=KEYRING_SERVICE, username=f"database:{split_password(url)[0]}")


def user_settings() -> QSettings:
    """The user's settings (the app, never tests)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Fieldwright", "Fieldwright"
    )


class AppSettings:
    """Typed access to a QSettings store."""

    def __init__(self, store: QSettings) -> None:
        self.store = store
        self._make_private()

    def _make_private(self) -> None:
        """The settings file only its owner can read (0600, a new folder 0700)."""
        store_file = self.store.fileName()
        if store_file and self.store.format() == QSettings.Format.IniFormat:
            private_file(store_file)

    def _bytes(self, key: str) -> QByteArray:
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) else QByteArray()

    def geometry(self) -> QByteArray:
        return self._bytes("window/geometry")

    def set_geometry(self, value: QByteArray) -> None:
        self.store.setValue("window/geometry", value)

    def window_state(self) -> QByteArray:
        return self._bytes("window/state")

    def set_window_state(self, value: QByteArray) -> None:
        self.store.setValue("window/state", value)

    def splitter_sizes(self, name: str) -> list[int]:
        raw = self.store.value(f"splitters/{name}", "")
        try:
            sizes = json.loads(str(raw)) if raw else []
        except json.JSONDecodeError:
            return []
        return [int(s) for s in sizes if isinstance(s, int)] if isinstance(sizes, list) else []

    def set_splitter_sizes(self, name: str, sizes: list[int]) -> None:
        self.store.setValue(f"splitters/{name}", json.dumps(sizes))

    def recent_files(self) -> list[Path]:
        raw = self.store.value("recent/files", "")
        try:
            entries = json.loads(str(raw)) if raw else []
        except json.JSONDecodeError:
            return []
        return [Path(e) for e in entries if isinstance(e, str)][:MAX_RECENT]

    def add_recent_file(self, path: Path) -> None:
        resolved = path.resolve()
        entries = [resolved, *(p for p in self.recent_files() if p != resolved)][:MAX_RECENT]
        self.store.setValue("recent/files", json.dumps([str(p) for p in entries]))

    def clear_recent_files(self) -> None:
        self.store.remove("recent/files")

    def theme(self) -> str:
        value = str(self.store.value("appearance/theme", "light"))
        return value if value in ("light", "dark") else "light"

    def set_theme(self, name: str) -> None:
        self.store.setValue("appearance/theme", name)

    # -- database, time zone, preview --------------------------------------------------------

    def database_url(self) -> str:
        """The saved database URL (no password); empty means "the default store"."""
        return str(self.store.value("database/url", "") or "").strip()

    def set_database_url(self, url: str) -> None:
        """Save the URL for the next start; its password goes to the keyring, never this file.

        Raises `CredentialProblem` when the URL holds a password but there is no usable
        keyring (nothing is saved then).
        """
        bare, secret = split_password(url)
        if secret:
            if not _has_user(bare):
                raise CredentialProblem(
                    "a database password needs a user name in the URL (user@host)"
                )
            status = keyring_status()
            if not status.usable:
                raise CredentialProblem(
                    f"the database password cannot be kept: {status.message}; "
                    "remove it from the URL (PostgreSQL also reads ~/.pgpass or PGPASSWORD)"
                )
            set_secret(database_credential(bare), secret)
        if bare:
            self.store.setValue("database/url", bare)
        else:
            self.store.remove("database/url")

    def time_zone(self) -> str:
        value = str(self.store.value("general/time_zone", "") or "")
        return value if _known_zone(value) else local_zone_name()

    def set_time_zone(self, name: str) -> None:
        if not _known_zone(name):
            raise ValueError(f"{name!r} is not an IANA time zone (e.g. Europe/Paris)")
        self.store.setValue("general/time_zone", name)

    def preview_sample_size(self) -> int:
        raw = self.store.value("preview/sample_size", DEFAULT_SAMPLE_SIZE)
        try:
            value = int(str(raw))
        except ValueError:
            return DEFAULT_SAMPLE_SIZE
        low, high = SAMPLE_SIZE_RANGE
        return min(max(value, low), high)

    def set_preview_sample_size(self, value: int) -> None:
        low, high = SAMPLE_SIZE_RANGE
        if not low <= value <= high:
            raise ValueError(f"the preview sample size must be between {low:,} and {high:,}")
        self.store.setValue("preview/sample_size", value)

    def sync(self) -> None:
        self.store.sync()
        self._make_private()


def with_kept_password(url: str) -> str:
    """`url` with the password kept in the keyring for it, when it has none of its own."""
    bare, password = split_password(url)
    if password or not _has_user(bare) or not keyring_status().usable:
        return url
    try:
        return _with_password(bare, get_secret(database_credential(bare)))
    except CredentialProblem:
        return url  # no password kept: the server (or ~/.pgpass) decides


def startup_database_url(settings: AppSettings) -> str | None:
    """The URL to open the store with at start-up, or None for the store's own default.

    FIELDWRIGHT_DATABASE_URL, when set, wins over the saved setting (as for the CLI).
    The saved URL gets its password back from the keyring, when one is kept there.
    """
    if os.environ.get(DATABASE_ENV, "").strip():
        return None
    url = settings.database_url()
    return with_kept_password(url) if url else None
