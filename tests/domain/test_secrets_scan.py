"""The credential scan: names like secrets, URL passwords (with / # ?) and secret query values."""

from __future__ import annotations

import pytest

from fieldwright.domain.secrets_scan import (
    SECRET_NAMES_ENV,
    find_secrets,
    is_secret_name,
    mask_url,
    secret_names,
    split_url_password,
)


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "X-Auth-Token",
        "access_token",
        "apiKey",
        "x-api-key",
        "client_secret",
        "Authorization",
        "Cookie",
        "sessionToken",
        "DB_PASSWD",
    ],
)
def test_names_like_secrets(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["key", "url", "records_path", "idempotency_header", "cursor_param", "auth", "page"]
)
def test_ordinary_setting_names(name: str) -> None:
    assert not is_secret_name(name)


def test_the_list_is_configurable_by_environment() -> None:
    names = secret_names({SECRET_NAMES_ENV: "tenant_pin, -cookie"})
    assert is_secret_name("X-Tenant-Pin", names)
    assert not is_secret_name("Cookie", names)


@pytest.mark.parametrize("password", ["a/b", "p#1", "q?x", "a/b#c?d", "plain"])
def test_database_url_passwords_with_reserved_characters(password: str) -> None:
    url = f"postgresql+psycopg://analyst:{password}@db.example:5432/fieldwright"
    bare, found = split_url_password(url)
    assert found == password
    assert bare == "postgresql+psycopg://analyst@db.example:5432/fieldwright"
    assert password not in mask_url(url).replace("analyst", "")


def test_a_url_without_a_password_is_left_alone() -> None:
    for url in ["postgresql://db.example:5432/x", "https://api.example/x?page=2", "sqlite:///a.db"]:
        assert split_url_password(url) == (url, None)
        assert find_secrets({"url": url}) == []


def test_findings_name_every_field() -> None:
    settings = {
        "url": "https://api.example/v1?access_token=t0k&page=1",
        "headers": {"X-Auth-Token": "abc", "Accept": "application/json"},
        "params": {"nested": {"api_key": "k"}, "page": 1},
        "key": ["id"],
        "auth": {"type": "api_key", "name": "X-API-Key"},
        "password": "",  # empty: nothing to leak
    }
    found = {(item.path, item.why) for item in find_secrets(settings, "settings")}
    assert found == {
        ("settings.url", "the query parameter 'access_token' in the URL"),
        ("settings.headers.X-Auth-Token", "named like a secret"),
        ("settings.params.nested.api_key", "named like a secret"),
    }


def test_mask_url_hides_secret_query_values_only() -> None:
    masked = mask_url("https://u:pw@api.example/x?access_token=t0k&page=2")
    assert masked == "https://u:***@api.example/x?access_token=***&page=2"
