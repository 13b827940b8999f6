"""`fieldwright integrations`: the hub's integrations and kinds in a terminal, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from fieldwright.cli.main import cli
from fieldwright.service import Service
from tests.service.hub_store import ACME_HS, GLOBEX_QBT, build_hub_store


def fieldwright(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_integrations_in_text_and_json_with_filters(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Service.open(url, user="alice") as service:
        build_hub_store(service, tmp_path)
    text = fieldwright("integrations", "-d", url)
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "3 of 3 integration(s), health over the last 7d"
    assert "ACME: HS → CRM (HubSpot → CRM)  [no runs]" in lines
    assert f"  mapping  {ACME_HS}  v2 in review" in text.output
    assert "  schedule schedule_HS_CRM_ACME_contacts  cron, active, next " in text.output
    assert "GLOBEX: QBT → WFN (QuickBooks Time → ADP WorkForce Now)  [warning]" in lines
    assert "1 failed in a row" in text.output and "connections wfn_drop" in text.output
    failing = fieldwright("integrations", "--health", "warning", "--json", "-d", url)
    overview = json.loads(failing.output)
    assert overview["total"] == 3
    assert [i["items"][0]["key"] for i in overview["integrations"]] == [GLOBEX_QBT]
    assert overview["integrations"][0]["items"][0]["last_run_status"] == "failed"
    searched = fieldwright("integrations", "--search", "shop", "--client", "globex", "-d", url)
    assert searched.output.splitlines()[0] == "1 of 3 integration(s), health over the last 7d"
    wrong = fieldwright("integrations", "--health", "great", "-d", url)
    assert wrong.exit_code == 2 and "'great' is not one of" in wrong.output


def test_kinds_list_the_registry_with_saved_connections(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Service.open(url, user="alice") as service:
        build_hub_store(service, tmp_path)
    text = fieldwright("integrations", "--kinds", "-d", url)
    assert text.exit_code == 0, text.output
    assert "HS       HubSpot  (crm, http connector)" in text.output
    assert "         auth: OAuth token — private app token" in text.output
    assert "         connections: hubspot_acme" in text.output
    kinds = json.loads(fieldwright("integrations", "--kinds", "--json", "-d", url).output)
    hubspot = next(k for k in kinds if k["code"] == "HS")
    assert hubspot["auth"] == "oauth_token" and hubspot["templates"] == ["template_HS_CRM"]
