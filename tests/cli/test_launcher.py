"""`fieldwright` with no screen or without Qt's X11 libraries: a message, an exit code, no abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldwright._display import debian_package, display_problem, missing_libraries, platform_name

LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")


def _headless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    return env


@LINUX
@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, "wayland"),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "wayland"),
        ({"DISPLAY": ":0"}, "xcb"),
        ({}, ""),
    ],
)
def test_the_platform_is_the_one_qt_will_pick(environ: dict[str, str], expected: str) -> None:
    assert platform_name(environ) == expected


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libEGL.so.1", "libegl1"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libfontconfig.so.1", "libfontconfig1"),
    ],
)
def test_a_missing_library_is_named_with_its_debian_package(soname: str, package: str) -> None:
    assert debian_package(soname) == package


@LINUX
def test_missing_libraries_are_read_from_ldd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "ldd"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        "echo '\tlibxcb.so.1 => /usr/lib/x86_64-linux-gnu/libxcb.so.1 (0x0)'\n"
        "echo '\tlibxcb-icccm.so.4 => not found'\n"
        "echo '\tlibxcb-keysyms.so.1 => not found'\n"
    )
    fake.chmod(0o755)
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setenv("PATH", str(fake.parent))
    assert missing_libraries(plugin) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    monkeypatch.setattr("fieldwright._display._qt_files", lambda _platform: [plugin])
    problem = display_problem({"DISPLAY": ":0"})
    assert problem is not None
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in problem


@LINUX
def test_no_display_prints_how_to_run_headless_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fieldwright"],
        env=_headless_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr  # not -6 (SIGABRT from Qt)
    assert "no display" in done.stderr
    assert "fieldwright run" in done.stderr
    assert "Traceback" not in done.stderr


@LINUX
def test_the_self_test_checks_the_platform_the_app_would_use() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fieldwright", "--self-test"],
        env=_headless_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("self-test FAILED: fieldwright: no display")
