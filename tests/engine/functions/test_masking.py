"""Masking and hashing functions."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run


def test_mask(run: Run, problems: Problems) -> None:
    assert run("mask", "123456", 0) == "******"
    assert run("mask", 123456789, 2, "X", 2) == "12XXXXX89"
    assert run("mask", "", 4) == ""
    assert run("mask", "abc", 1, "*", 2) == "***"
    assert problems("mask", 2, "**") == ["mask_char must be one character, not '**'"]
    assert problems("mask", -1) == ["keep_last must be zero or more, not -1"]


def test_mask_email(run: Run) -> None:
    assert run("mask_email", ' "a@b"@example.com ') == '"***@example.com'
    for bad in ["no-at-sign", "@example.com", "ada@"]:
        with pytest.raises(TransformError, match="is not an email address"):
            run("mask_email", bad)


def test_mask_regex(run: Run) -> None:
    assert run("mask_regex", "card 4111 1111 1111 1111", r"\d(?=(?:\d| \d){4})", "•") == (
        "card •••• •••• •••• 1111"
    )
    assert run("mask_regex", "nothing", r"\d") == "nothing"


def test_redact_keeps_null(run: Run) -> None:
    assert run("redact", None) is None
    assert run("redact", {"ssn": "1"}) == "[REDACTED]"


def test_hashes_use_canonical_text(run: Run) -> None:
    expected = hashlib.sha256(b"pepper42").hexdigest()
    assert run("sha256", 42, "pepper") == expected
    assert run("sha256", "42", "pepper") == expected
    assert run("sha256", 42.0, "pepper") == expected
    assert run("sha256", {"b": 1, "a": 2}) == run("sha256", {"a": 2, "b": 1})
    assert run("sha256", {"a": 2, "b": 1}) == hashlib.sha256(b'{"a":2,"b":1}').hexdigest()
    assert run("md5", "é") == hashlib.md5("é".encode()).hexdigest()
    assert run("hmac_sha256", True, "k") == hmac.new(b"k", b"true", hashlib.sha256).hexdigest()
    assert run("hash_prefix", "x", 64) == hashlib.sha256(b"x").hexdigest()
    assert run("hash_prefix", "x", 8, "s") == hashlib.sha256(b"sx").hexdigest()[:8]


def test_hash_argument_errors(run: Run, problems: Problems) -> None:
    assert problems("hash_prefix", 65) == ["length must be at most 64, not 65"]
    assert problems("hash_prefix", 0) == ["length must be at least 1, not 0"]
    assert problems("hmac_sha256", "") == ["key must not be empty"]
    assert problems("hmac_sha256") == ["hmac_sha256 needs argument 'key' (the secret key)"]
    assert problems("sha256", 1) == ["salt must be a string, not integer 1"]
    assert problems("hash_prefix", 8, "s", "extra") == [
        "hash_prefix takes 2 argument(s), 3 were given; remove the extra"
    ]


def test_uuid5(run: Run) -> None:
    assert run("uuid5", "https://example.com", "URL") == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com")
    )
    assert run("uuid5", 7, "oid") == str(uuid.uuid5(uuid.NAMESPACE_OID, "7"))
    custom = "12345678-1234-5678-1234-567812345678"
    assert run("uuid5", "x", custom) == str(uuid.uuid5(uuid.UUID(custom), "x"))
    with pytest.raises(TransformError, match="namespace must be dns, url, oid, x500 or a UUID"):
        run("uuid5", "x", "isbn")
