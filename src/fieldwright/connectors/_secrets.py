"""The process-wide registry of known secrets, and masking of them in text and log records.

Every secret the connectors fetch from or store in the keyring, or are handed
at run time, is registered here; `mask` replaces each of them (and anything
that looks like an ``Authorization`` header value, a ``Bearer``/``Basic``
token or a password inside a URL) with ``***``. `SecretMasker` applies the
same to log records, so installing it on a handler keeps secrets out of logs
even when a library (httpx, SQLAlchemy) logs a URL or a header.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["MASK", "SecretMasker", "install_secret_masker", "mask", "register_secret"]

MASK = "***"

_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None

# `Authorization: <anything up to the end of the line or a quote>`; header dumps in
# dict form (`'authorization': 'Bearer x'`) are covered by the token patterns below.
_HEADER = re.compile(r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*)([^\r\n'\",}]+)")
_TOKEN = re.compile(r"(?i)\b(bearer|basic|token)(\s+)([A-Za-z0-9._~+/=:-]{4,})")
# scheme://user:password@host — the password part only.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)")


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
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)


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
