"""A database URL that cannot be parsed is a message naming it (password masked), exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fieldwright.cli.main import cli

BAD_PORT = "postgresql+psycopg://analyst:s3cret@db.example:abc/fieldwright"


@pytest.mark.parametrize(
    "command",
    [["db", "info"], ["db", "current"], ["db", "upgrade"], ["export", "key", "out.json"]],
)
def test_a_non_numeric_port_is_a_message_and_exit_2(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "-d", BAD_PORT])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "db.example:abc" in result.output
    assert "port" in result.output
    assert "s3cret" not in result.output
    assert "analyst:***@" in result.output


def test_the_environment_url_is_checked_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDWRIGHT_DATABASE_URL", BAD_PORT)
    result = CliRunner().invoke(cli, ["db", "info"])
    assert result.exit_code == 2, result.output
    assert "FIELDWRIGHT_DATABASE_URL" in result.output
    assert "s3cret" not in result.output
