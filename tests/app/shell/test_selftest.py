"""`fieldwright --self-test`: the real main window, offscreen, proves an installation works."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from fieldwright import launcher, resources
from fieldwright.app.shell.selftest import SelfTestFailed, main, run_self_test
from fieldwright.resources import examples_dir

QBT = examples_dir() / "qbt_to_wfn"


def _copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(examples_dir() / "hubspot_to_crm", folder)
    return folder / "mapping.fwmap.json"


def test_self_test_passes_on_the_bundled_example_and_prints_one_line(
    qapp: QApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    assert out.startswith("self-test ok: preview 8 records (0 failed), tests 7/7 passed, ")
    assert "template template_QBT_WFN opened" in out
    assert out.rstrip().endswith("on Qt platform offscreen")  # the platform it really ran on


def test_self_test_reports_what_it_checked(qapp: QApplication) -> None:
    report = run_self_test(QBT / "mapping.fwmap.json")
    # The QuickBooks Time example has one bad line on purpose: a failed record is
    # reported, not a self-test failure; its eight tests all pass.
    assert (report.records, report.failed_records) == (9, 1)
    assert (report.tests_passed, report.tests_total) == (8, 8)
    assert report.template_key.startswith("mapping_QBT_WFN_SELFTEST_")
    assert 0 < report.seconds < 30
    assert not [w for w in qapp.topLevelWidgets() if w.isVisible()]


def test_a_failing_test_fails_the_self_test_and_names_it(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy_example(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tests"][0]["expected"]["first_name"] = "Grace"
    path.write_text(json.dumps(data), encoding="utf-8")

    assert main([str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    reason = err.strip().splitlines()[-1]
    assert reason.startswith("self-test FAILED: tests 6/7 passed; failing: customer with two")


def test_a_preview_where_every_record_fails_fails_the_self_test(
    qapp: QApplication, tmp_path: Path
) -> None:
    path = _copy_example(tmp_path)
    (path.parent / "contacts.json").write_text("[{not json", encoding="utf-8")
    with pytest.raises(SelfTestFailed, match="every one of the 1 previewed records failed"):
        run_self_test(path)


def test_a_missing_sample_file_fails_the_self_test(qapp: QApplication, tmp_path: Path) -> None:
    path = _copy_example(tmp_path)
    (path.parent / "contacts.json").unlink()
    with pytest.raises(SelfTestFailed, match="names no sample file beside it"):
        run_self_test(path)


def test_an_icon_qt_cannot_draw_fails_the_self_test(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "fieldwright.svg").write_text("<svg", encoding="utf-8")
    monkeypatch.setattr(resources, "resources_dir", lambda: tmp_path)
    with pytest.raises(SelfTestFailed, match="the application icon cannot be drawn"):
        run_self_test(QBT / "mapping.fwmap.json")


def test_a_missing_example_fails_before_any_window_opens(
    qapp: QApplication, tmp_path: Path
) -> None:
    with pytest.raises(SelfTestFailed, match="the example mapping is missing"):
        run_self_test(tmp_path / "nowhere.fwmap.json")


def test_the_launcher_runs_the_self_test_and_exits_with_its_code(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        launcher.main(["--self-test", str(tmp_path / "nowhere.fwmap.json")])
    assert exit_info.value.code == 1
    assert "self-test FAILED: the example mapping is missing" in capsys.readouterr().err


def test_a_step_that_never_finishes_times_out_with_its_name(qapp: QApplication) -> None:
    from PySide6.QtCore import QObject, Signal

    from fieldwright.app.shell.selftest import _wait

    class Silent(QObject):
        never = Signal()

    silent = Silent()
    with pytest.raises(SelfTestFailed, match=r"the preview did not finish within 0\.05 s"):
        _wait(silent.never, "the preview", 0.05)
