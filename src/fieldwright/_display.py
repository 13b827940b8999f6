"""Can the desktop app start here? Checked before Qt is imported, so the answer is a message.

Qt aborts the process (SIGABRT, a core dump) when its platform plugin cannot
start (no display), and importing PySide6 fails with an ImportError when a
system library Qt links against is missing (a minimal Linux install). The
launcher asks `display_problem` first and prints what to do instead. Qt-free
and outside the layers, like the launcher.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["debian_package", "display_problem", "missing_libraries", "platform_name"]

HEADLESS_HINT = (
    "Without a screen, the same installation runs mappings headless, e.g.\n"
    "  fieldwright run MAPPING.fwmap.json --input FILE --output FILE\n"
    "  fieldwright serve      (fires the store's schedules)\n"
    "To check the installation without a screen: QT_QPA_PLATFORM=offscreen fieldwright --self-test"
)

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def platform_name(environ: dict[str, str] | None = None) -> str:
    """The Qt platform plugin the app will use: QT_QPA_PLATFORM, else what this session offers."""
    env = os.environ if environ is None else environ
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if chosen:
        return chosen
    if not sys.platform.startswith("linux"):
        return {"darwin": "cocoa", "win32": "windows"}.get(sys.platform, "")
    if env.get("WAYLAND_DISPLAY"):
        return "wayland"
    if env.get("DISPLAY"):
        return "xcb"
    return ""


#: Libraries whose Debian package name does not follow from their file name.
_PACKAGES = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libGLX.so.0": "libglx0",
    "libxcb-util.so.1": "libxcb-util1",
}


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that usually ships a shared library (Debian's naming policy).

    ``libxcb-icccm.so.4`` → ``libxcb-icccm4``; ``libxkbcommon-x11.so.0`` →
    ``libxkbcommon-x11-0`` (a hyphen when the name already ends in a digit).
    """
    if soname in _PACKAGES:
        return _PACKAGES[soname]
    stem, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    if not version:
        return stem.lower()
    separator = "-" if stem[-1:].isdigit() else ""
    return f"{stem.lower()}{separator}{version}"


def _pyside() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _qt_files(platform: str) -> list[Path]:
    """Qt's modules the app loads, and the plugin of `platform`, as installed."""
    root = _pyside()
    if root is None:
        return []
    files = [root / f"Qt{name}.abi3.so" for name in ("Core", "Gui", "Widgets", "Svg", "UiTools")]
    plugin = {"xcb": "libqxcb.so", "offscreen": "libqoffscreen.so", "wayland": "libqwayland.so"}
    if platform in plugin:
        files.append(root / "Qt" / "plugins" / "platforms" / plugin[platform])
    return [path for path in files if path.is_file()]


def missing_libraries(*files: Path) -> list[str]:
    """Shared libraries `files` (default: Qt's modules and the X11 plugin) need and this
    system lacks, by `ldd`; empty where `ldd` is not there to ask."""
    files = files or tuple(_qt_files("xcb"))
    ldd = shutil.which("ldd")
    if not files or ldd is None:
        return []
    missing: set[str] = set()
    for path in files:
        try:
            output = subprocess.run(
                [ldd, str(path)], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        missing.update(_NOT_FOUND.findall(output))
    return sorted(missing)


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why the desktop app cannot start here, with what to do; None when it can try."""
    platform = platform_name(environ)
    if sys.platform.startswith("linux") and not platform:
        return (
            "fieldwright: no display to open the desktop app on (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set).\n" + HEADLESS_HINT
        )
    if sys.platform.startswith("linux"):
        missing = missing_libraries(*_qt_files(platform))
        if missing:
            packages = " ".join(sorted({debian_package(name) for name in missing}))
            return (
                "fieldwright: the desktop app needs system libraries that are not installed: "
                f"{', '.join(missing)}.\n"
                f"On Debian or Ubuntu: sudo apt-get install {packages}\n" + HEADLESS_HINT
            )
    return None
