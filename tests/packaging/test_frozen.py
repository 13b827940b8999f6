"""The frozen one-folder app builds from the spec, passes its own --self-test and keeps
its size budget (folder < 250 MB); the cold start to self-test done is measured and
printed (its 4 s budget is a time: `packaging/build.sh` enforces it for a release build,
not here, where the suite shares the machine with other work).

This runs `packaging/build.sh`, the same script a packager runs, so what CI
checks is what a release would ship (about a minute here).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from tests.packaging.conftest import PIP_CACHE, REPO, require_enabled

pytestmark = pytest.mark.slow


def test_the_frozen_app_builds_passes_its_self_test_and_keeps_its_budgets() -> None:
    require_enabled("builds the frozen app with PyInstaller (~1 min)")
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is missing: pip install -e '.[packaging]'")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHON=sys.executable, PIP_CACHE_DIR=PIP_CACHE, FIELDWRIGHT_ENFORCE_START_BUDGET="0")
    result = subprocess.run(
        ["bash", str(REPO / "packaging" / "build.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = result.stdout
    print(report)  # the measurements, for the CI log (pytest -s / -rA)
    assert result.returncode == 0, f"{report}\n{result.stderr[-4000:]}"
    assert re.search(
        r"^self-test ok: preview 8 records \(0 failed\), tests 7/7 passed", report, re.M
    )
    size = re.search(r"^budget size: ([\d.]+) MB \(< 250 MB\): pass$", report, re.M)
    start = re.search(
        r"^budget cold start to self-test done: ([\d.]+) s \(< 4 s\): (pass|FAIL) "
        r"\(reported, not enforced\)$",
        report,
        re.M,
    )
    assert size and start, report
    assert 20 < float(size.group(1)) < 250
    assert float(start.group(1)) > 0
    app = REPO / "packaging" / "build" / "dist" / "fieldwright"
    data = app / "_internal" / "fieldwright"
    for shipped in (
        "_data/ui/theme.qss",
        "_data/resources/examples/qbt_to_wfn/mapping.fwmap.json",
        "_data/resources/icons/fieldwright.svg",
        "store/migrations/versions/0001_initial_schema.py",
    ):
        assert (data / shipped).is_file(), shipped
    qt = app / "_internal" / "PySide6"
    assert not list(qt.glob("Qt*Quick*")) and not list(qt.glob("QtQml*")), "unused Qt shipped"
    assert not list(qt.rglob("libqgtk3.so"))
