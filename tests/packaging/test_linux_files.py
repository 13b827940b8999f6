"""Linux desktop integration: the .desktop file, AppStream metainfo, the *.fwmap.json MIME
type and the icons validate and install, and `fieldwright PATH.fwmap.json` (what a file
manager runs) opens that document in the main window."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

import fieldwright
from fieldwright import launcher
from fieldwright.app.shell import main as app_main
from fieldwright.app.shell.main_window import MainWindow
from fieldwright.resources import examples_dir, resources_dir
from tests.packaging.conftest import REPO, require_tool

LINUX = REPO / "packaging" / "linux"
ID = "org.fieldwright.Fieldwright"
MIME = "application/vnd.fieldwright.mapping+json"
DESKTOP = LINUX / f"{ID}.desktop"
METAINFO = LINUX / f"{ID}.metainfo.xml"
MIME_XML = LINUX / f"{ID}.mime.xml"
AS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _desktop_entry() -> dict[str, str]:
    parser = ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return dict(parser["Desktop Entry"])


# -- validators --------------------------------------------------------------------------


def test_the_desktop_file_validates() -> None:
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout  # not even a hint


def test_the_appstream_metainfo_validates_offline() -> None:
    tool = require_tool("appstreamcli", "appstream")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"^[EW]: ", result.stdout, re.M), result.stdout


# -- what the files say ------------------------------------------------------------------


def test_the_desktop_entry_opens_mapping_files_with_fieldwright() -> None:
    entry = _desktop_entry()
    assert entry["Exec"] == "fieldwright %f"
    assert entry["MimeType"] == f"{MIME};"
    assert entry["Icon"] == ID
    assert entry["Terminal"] == "false"


def test_the_metainfo_names_the_app_its_release_and_its_screenshots() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == "MIT"
    assert root.find("content_rating") is not None
    versions = [r.get("version") for r in root.iter("release")]
    assert versions[0] == fieldwright.__version__  # the newest release is this version
    assert root.findtext("provides/mediatype") == MIME
    homepage = root.findtext("url[@type='homepage']")
    images = [i.text for i in root.iter("image")]
    # Each screenshot is one `python -m fieldwright.app.shell.screenshots` renders, published
    # at the same relative path under the homepage.
    rendered = {"welcome.png", "designer.png", "preview_failed.png", "designer_dark.png"}
    assert images
    for image in images:
        assert image is not None and image.startswith(f"{homepage}/screenshots/"), image
        assert image.rsplit("/", 1)[1] in rendered


def test_the_mime_type_globs_fwmap_json_as_a_kind_of_json() -> None:
    mime_type = ET.parse(MIME_XML).getroot().find(f"{AS}mime-type")
    assert mime_type is not None and mime_type.get("type") == MIME
    assert [g.get("pattern") for g in mime_type.iter(f"{AS}glob")] == ["*.fwmap.json"]
    parent = mime_type.find(f"{AS}sub-class-of")
    assert parent is not None and parent.get("type") == "application/json"
    # Every bundled example is a file of that type.
    assert all(p.name.endswith(".fwmap.json") for p in examples_dir().glob("*/mapping*"))


def test_the_icons_are_the_svg_and_its_renderings() -> None:
    shipped = resources_dir() / "icons" / "fieldwright.svg"
    assert (LINUX / "icons" / "fieldwright.svg").read_bytes() == shipped.read_bytes()
    for size in (48, 128, 256):
        image = QImage(str(LINUX / "icons" / f"fieldwright-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 8).alpha() == 255  # the tile, opaque
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corners, transparent


def test_install_puts_the_files_where_desktops_look_and_registers_the_type(
    tmp_path: Path,
) -> None:
    require_tool("update-mime-database", "shared-mime-info")
    app = tmp_path / "app"
    app.mkdir()
    binary = app / "fieldwright"
    binary.write_text("#!/bin/sh\n", encoding="utf-8")
    binary.chmod(0o755)
    data, bin_dir = tmp_path / "share", tmp_path / "bin"
    env = {**os.environ, "DATA_DIR": str(data), "BIN_DIR": str(bin_dir)}
    result = subprocess.run(
        ["bash", str(LINUX / "install.sh"), str(app)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (data / "applications" / DESKTOP.name).read_bytes() == DESKTOP.read_bytes()
    assert (data / "metainfo" / METAINFO.name).is_file()
    assert (data / "icons/hicolor/256x256/apps" / f"{ID}.png").is_file()
    assert (data / "icons/hicolor/scalable/apps" / f"{ID}.svg").is_file()
    assert (bin_dir / "fieldwright").resolve() == binary
    globs = (data / "mime" / "globs2").read_text(encoding="utf-8")
    assert f"{MIME}:*.fwmap.json" in globs
    if (data / "applications" / "mimeinfo.cache").exists():  # update-desktop-database ran
        cache = (data / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
        assert f"{MIME}={DESKTOP.name};" in cache


# -- `fieldwright PATH` ------------------------------------------------------------------


def test_the_launcher_opens_the_app_for_a_mapping_path_and_the_cli_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[list[str]] = []

    def fake_run_app(argv: list[str]) -> int:
        opened.append(argv)
        return 0

    monkeypatch.setattr(app_main, "run_app", fake_run_app)
    path = tmp_path / "payroll.fwmap.json"
    path.write_bytes((examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json").read_bytes())
    for argv in ([str(path)], []):
        with pytest.raises(SystemExit) as exit_info:
            launcher.main(argv)
        assert exit_info.value.code == 0
    assert opened == [[str(path)], []]

    with pytest.raises(SystemExit) as exit_info:
        launcher.main([str(tmp_path / "missing.fwmap.json")])
    assert exit_info.value.code == 2
    assert "no such mapping file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        launcher.main(["validate", str(path)])  # a command goes to the command line
    assert exit_info.value.code == 0
    assert opened == [[str(path)], []]


def test_run_app_opens_the_named_mapping_in_the_main_window(
    qapp: QApplication, tmp_path: Path
) -> None:
    path = tmp_path / "payroll.fwmap.json"
    path.write_bytes((examples_dir() / "qbt_to_wfn" / "mapping.fwmap.json").read_bytes())
    seen: dict[str, object] = {}
    timer = QTimer()  # the test's own, stopped whatever run_app does

    def inspect_then_close() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        boxes = [w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox)]
        if boxes:  # a message box's own loop: answer it, look again once app.exec() runs
            seen.setdefault("boxes", []).extend(box.text() for box in boxes)  # type: ignore[attr-defined]
            for box in boxes:
                box.reject()
            timer.start(0)
            return
        for window in windows:
            seen["location"] = window.session.location
            seen["page"] = window.pages.currentWidget() is window.work_splitter
            seen["title"] = window.windowTitle()
            window.close()  # the last window: app.exec() returns
        if not windows:
            qapp.quit()

    timer.setSingleShot(True)
    timer.timeout.connect(inspect_then_close)
    timer.start(0)
    try:
        code = app_main.run_app([str(path)], database_url=f"sqlite:///{tmp_path / 'store.db'}")
    finally:
        timer.stop()
    for widget in qapp.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.shutdown_workers()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert code == 0
    assert "boxes" not in seen, seen["boxes"]
    assert seen["location"] == path
    assert seen["page"] is True  # the Designer shows the opened mapping
    assert "payroll.fwmap.json" in str(seen["title"])
