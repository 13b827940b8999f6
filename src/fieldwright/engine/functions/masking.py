"""Masking and hashing functions: hide personal data or replace it by stable tokens.

Hashes are computed on the value's text in UTF-8 (numbers as written, true/false,
lists and objects as compact JSON with sorted keys), so the same value always
gives the same hash, across runs and machines.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from fieldwright.engine.functions._common import as_text, canonical_text, show
from fieldwright.engine.functions._patterns import Pattern
from fieldwright.engine.functions.registry import (
    ArgType,
    Category,
    Example,
    Param,
    TransformError,
    function,
)

_M = Category.MASKING
_MASK_CHAR = Param(
    "mask_char",
    ArgType.STRING,
    "the character shown instead of hidden ones",
    "*",
    min_length=1,
    max_length=1,
)
_SALT = Param("salt", ArgType.STRING, "text put in front of the value before hashing", "")


def _mask_char(mask_char: str) -> str:
    if len(mask_char) != 1:
        raise TransformError(f"mask_char must be a single character, not {mask_char!r}")
    return mask_char


@function(
    "mask",
    _M,
    "Hide all but the first and/or last characters.",
    returns="string",
    params=[
        Param("keep_last", ArgType.INTEGER, "characters left visible at the end", 4, minimum=0),
        _MASK_CHAR,
        Param("keep_first", ArgType.INTEGER, "characters left visible at the start", 0, minimum=0),
    ],
    examples=[
        Example("4111111111111111", (), "************1111"),
        Example("DE89370400440532013000", (2, "#", 4), "DE89################00"),
        Example("1234", (), "****"),
    ],
)
def mask(value: Any, keep_last: int, mask_char: str, keep_first: int) -> str:
    """Replace every character by `mask_char` except the first `keep_first` and
    the last `keep_last`. Text that is not longer than the visible part is
    masked completely, so short values never show in full."""
    if keep_last < 0 or keep_first < 0:
        raise TransformError("keep_first and keep_last must be zero or more")
    char = _mask_char(mask_char)
    text = as_text(value)
    if len(text) <= keep_first + keep_last:
        return char * len(text)
    end = len(text) - keep_last
    return text[:keep_first] + char * (end - keep_first) + text[end:]


@function(
    "mask_email",
    _M,
    "Hide the name part of an email address.",
    returns="string",
    params=[_MASK_CHAR],
    examples=[
        Example("john.doe@example.com", (), "j***@example.com"),
        Example("a@b.org", ("#",), "a###@b.org"),
    ],
)
def mask_email(value: Any, mask_char: str) -> str:
    """Keep the first character of the name and the whole domain; the rest of the
    name becomes three mask characters, whatever its length."""
    text = as_text(value).strip()
    name, at, domain = text.rpartition("@")
    if not at or not name or not domain:
        raise TransformError(f"{show(value)} is not an email address")
    return name[0] + _mask_char(mask_char) * 3 + "@" + domain


@function(
    "mask_regex",
    _M,
    "Hide the parts of text that match a regular expression.",
    returns="string",
    params=[
        Param("pattern", ArgType.REGEX, "what to hide, e.g. '\\d' for every digit"),
        _MASK_CHAR,
    ],
    examples=[
        Example(
            "Call 555-123-4567 today", (r"\d(?=\d{0,3}-|\d{0,3}-\d)",), "Call ***-***-4567 today"
        ),
        Example("SSN 123-45-6789", (r"\d",), "SSN ***-**-****"),
    ],
)
def mask_regex(value: Any, pattern: Pattern, mask_char: str) -> str:
    """Replace each character of each match of `pattern` by `mask_char`."""
    char = _mask_char(mask_char)
    return pattern.sub(lambda match: char * len(match.group(0)), as_text(value))


@function(
    "redact",
    _M,
    "Replace the value by a fixed text.",
    returns="string",
    params=[Param("replacement", ArgType.STRING, "the text to put instead", "[REDACTED]")],
    examples=[Example("123-45-6789", (), "[REDACTED]"), Example("secret", ("***",), "***")],
)
def redact(value: Any, replacement: str) -> str:
    """Drop the value's content entirely. Null stays null, so 'missing' remains
    visible."""
    return replacement


def _digest(algorithm: str, value: Any, salt: str) -> str:
    return hashlib.new(algorithm, (salt + canonical_text(value)).encode()).hexdigest()


@function(
    "sha256",
    _M,
    "SHA-256 hash of the value, as hex.",
    returns="string",
    params=[_SALT],
    examples=[
        Example(
            "ada@example.com",
            (),
            "b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72",
        ),
    ],
)
def sha256(value: Any, salt: str) -> str:
    """A 64-character hex SHA-256 of the salt followed by the value's text. The
    same input always gives the same hash: use it to pseudonymize keys while
    keeping them joinable. A secret salt (or `hmac_sha256`) stops anyone from
    hashing guesses to find the original."""
    return _digest("sha256", value, salt)


@function(
    "md5",
    _M,
    "MD5 hash of the value, as hex (for matching legacy systems).",
    returns="string",
    params=[_SALT],
    examples=[Example("ada@example.com", (), "3e3417d7ef77d5932a6734b916515ed5")],
)
def md5(value: Any, salt: str) -> str:
    """A 32-character hex MD5 of the salt followed by the value's text. MD5 is
    broken for security; use it only where another system expects MD5 keys,
    and `sha256` otherwise."""
    return hashlib.md5((salt + canonical_text(value)).encode(), usedforsecurity=False).hexdigest()


@function(
    "hmac_sha256",
    _M,
    "Keyed HMAC-SHA-256 of the value, as hex.",
    returns="string",
    params=[Param("key", ArgType.STRING, "the secret key", min_length=1)],
    examples=[
        Example(
            "ada@example.com",
            ("k3y",),
            "9ae450d30547cff6a7c4c006e3e511196b21c4a45597b35b57519c5672b313d0",
        )
    ],
)
def hmac_sha256(value: Any, key: str) -> str:
    """A 64-character hex HMAC-SHA-256 of the value's text with `key`: a stable
    pseudonym that nobody without the key can recompute from guesses."""
    if not key:
        raise TransformError("key must not be empty")
    return hmac.new(key.encode(), canonical_text(value).encode(), hashlib.sha256).hexdigest()


@function(
    "hash_prefix",
    _M,
    "A short stable token: the first characters of a SHA-256 hash.",
    returns="string",
    params=[
        Param(
            "length", ArgType.INTEGER, "how many hex characters, 1 to 64", 8, minimum=1, maximum=64
        ),
        _SALT,
    ],
    examples=[Example("ada@example.com", (), "b5fc85e5"), Example("ada@example.com", (4,), "b5fc")],
)
def hash_prefix(value: Any, length: int, salt: str) -> str:
    """The first `length` hex characters of `sha256`, e.g. for a short
    pseudonymous id. Short prefixes can collide between different values."""
    if not 1 <= length <= 64:
        raise TransformError(f"length must be from 1 to 64, not {length}")
    return _digest("sha256", value, salt)[:length]


_NAMESPACES = {
    "dns": uuid.NAMESPACE_DNS,
    "url": uuid.NAMESPACE_URL,
    "oid": uuid.NAMESPACE_OID,
    "x500": uuid.NAMESPACE_X500,
}


@function(
    "uuid5",
    _M,
    "A deterministic UUID (version 5) from the value.",
    returns="string",
    params=[Param("namespace", ArgType.STRING, "dns, url, oid, x500, or a UUID of your own")],
    examples=[
        Example("example.com", ("dns",), "cfbff0d1-9375-5685-968c-48ce8b15ae17"),
        Example(
            "A-42",
            ("6ba7b811-9dad-11d1-80b4-00c04fd430c8",),
            "3ba7fa4c-4413-5138-b3e0-4270ffac63e6",
        ),
    ],
)
def uuid5(value: Any, namespace: str) -> str:
    """The UUID5 of the value's text in a namespace: the same value and namespace
    always give the same id, so records get stable ids across runs."""
    space = _NAMESPACES.get(namespace.lower())
    if space is None:
        try:
            space = uuid.UUID(namespace)
        except ValueError:
            raise TransformError(
                f"namespace must be dns, url, oid, x500 or a UUID, not {namespace!r}"
            ) from None
    return str(uuid.uuid5(space, canonical_text(value)))
