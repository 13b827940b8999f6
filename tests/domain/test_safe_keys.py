"""Business keys that become file names: only safe ones pass."""

from __future__ import annotations

import pytest

from fieldwright.domain.safe_keys import UnsafeKey, check_safe_key, is_safe_key


@pytest.mark.parametrize(
    "key", ["mapping_QBT_WFN_ACME_20250724", "a", "hubspot-to-crm.v2", "2025_export"]
)
def test_business_keys_are_safe(key: str) -> None:
    assert check_safe_key(key) == key


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("../../x", "path separator"),
        ("/etc/passwd", "path separator"),
        ("C:\\x", "path separator"),
        ("..", "starts with a dot"),
        (".hidden", "starts with a dot"),
        ("a\x00b", "NUL"),
        ("has space", "' '"),
        ("", "empty"),
        ("x" * 201, "longer than 200"),
        ("CON", "Windows reserves"),
        ("-flag", "letter or a digit"),
    ],
)
def test_unsafe_keys_are_refused_with_the_reason(key: str, why: str) -> None:
    assert not is_safe_key(key)
    with pytest.raises(UnsafeKey, match="not a safe file name") as caught:
        check_safe_key(key)
    assert why in str(caught.value)
