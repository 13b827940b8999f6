"""`fieldwright templates` on a store of the test's own."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from fieldwright.cli.main import cli


def test_list_use_export_and_import(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()
    listing = runner.invoke(cli, ["templates", "list", "-d", url, "--category", "hr"])
    assert listing.exit_code == 0, listing.output
    assert "template_QBT_WFN v1" in listing.output and "certified" in listing.output
    assert "template_QBT_WFNPAY v1" in listing.output
    assert "2 templates" in listing.output
    used = runner.invoke(cli, ["templates", "use", "-d", url, "template_QBT_WFN", "acme"])
    assert used.exit_code == 0, used.output
    assert f"created mapping_QBT_WFN_ACME_{date.today():%Y%m%d}" in used.output
    path = tmp_path / "qbt.fwtemplate.json"
    exported = runner.invoke(cli, ["templates", "export", "-d", url, "template_QBT_WFN", str(path)])
    assert exported.exit_code == 0 and path.exists()
    data = json.loads(path.read_text())
    data["version"] = 2  # a new version of the template, as a colleague would send it
    path.write_text(json.dumps(data))
    imported = runner.invoke(cli, ["templates", "import", "-d", url, str(path)])
    assert imported.exit_code == 0, imported.output
    assert "imported template_QBT_WFN v2 (certified)" in imported.output
    missing = runner.invoke(cli, ["templates", "use", "-d", url, "template_NOPE", "x"])
    assert missing.exit_code == 2
    assert "no template 'template_NOPE'" in missing.output
