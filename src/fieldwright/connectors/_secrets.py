"""The process-wide registry of known secrets, and masking of them in text and log records.

Every secret the connectors fetch from or store in the keyring, or are handed
at run time, is registered here; `mask` replaces each of them (and anything
that looks like an ``Authorization`` header value, a ``Bearer``/``Basic``
token, a password inside a URL, a URL query parameter or a ``name: value``
pair named like a secret — see `fieldwright.domain.secrets_scan`) with
``***``. `SecretMasker` applies the same to log records, so installing it on a
handler keeps secrets out of logs even when a library (httpx, SQLAlchemy) logs
a URL or a header; `install_library_maskers` puts one on those libraries'
loggers themselves.
"""

from __future__ import annotations

import logging
import re
import threading

from fieldwright.domain.secrets_scan import is_secret_name, mask_url

__all__ = [
    "MASK",
    "SecretMasker",
    "install_library_maskers",
    "install_secret_masker",
    "mask",
    "register_secret",
]

MASK = "***"

_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None

# `Authorization: <anything up to the end of the line or a quote>`; header dumps in
# dict form (`'authorization': 'Bearer x'`) are covered by the token patterns below.
_HEADER = re.compile(r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*)([^\r\n'\",}]+)")
_TOKEN = re.compile(r"(?i)\b(bearer|basic|token)(\s+)([A-Za-z0-9._~+/=:-]{4,})")
# Any URL: its password (even one holding "/", "#" or "?") and secret query values are masked.
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+")
# `X-Auth-Token: value`, `'api_key': 'value'`, `password=value` for names like a secret.
_NAMED = re.compile(r"([\w.-]+)(['\"]?\s*[:=]\s*['\"]?)([^\s'\",}&]+)")


def _mask_named(match: re.Match[str]) -> str:
    if not is_secret_name(match.group(1)):
        return match.group(0)
    return match.group(1) + match.group(2) + MASK


def register_secret(secret: str) -> None:
    """Remember `secret` so that `mask` and `SecretMasker` hide it from now on."""
    global _pattern
    if not secret:
        return
    with _lock:
        if secret in _known:
            return
        _known.add(secret)
        ordered = sorted(_known, key=len, reverse=True)  # longest first: no partial masks
        _pattern = re.compile("|".join(map(re.escape, ordered)))


def mask(text: str) -> str:
    """`text` with every known secret, authorization value, token and URL password masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _TOKEN.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _URL.sub(lambda m: mask_url(m.group(0)), text)
    return _NAMED.sub(_mask_named, text)


class SecretMasker(logging.Filter):
    """A logging filter that masks secrets in a record's message, arguments and traceback.

    It never drops a record. Attach it to handlers (a filter on a logger does
    not see records propagated from child loggers): see `install_secret_masker`.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format: mask the parts instead
            message = f"{record.msg} {record.args}"
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install_secret_masker(logger: logging.Logger | None = None) -> SecretMasker:
    """Add one `SecretMasker` to every handler of `logger` (the root logger by default).

    Call it after logging is configured; handlers added later need
    ``handler.addFilter(masker)`` themselves. Installing twice adds no second filter.
    """
    target = logger or logging.getLogger()
    masker = next(
        (
            existing
            for handler in target.handlers
            for existing in handler.filters
            if isinstance(existing, SecretMasker)
        ),
        SecretMasker(),
    )
    for handler in target.handlers:
        if masker not in handler.filters:
            handler.addFilter(masker)
    return masker


#: The loggers libraries write URLs and headers to (httpx logs every request at INFO). A
#: logger's filter does not see its children's records, so each is named.
LIBRARY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "sqlalchemy.engine.Engine",
)


def install_library_maskers() -> None:
    """Put a `SecretMasker` on the loggers of httpx, httpcore and SQLAlchemy themselves.

    A filter on a logger sees the records logged on it, whatever handler later
    writes them, so ``?access_token=…`` never reaches a log even when the
    application configured logging without `install_secret_masker`.
    """
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, SecretMasker) for existing in logger.filters):
            logger.addFilter(SecretMasker())
