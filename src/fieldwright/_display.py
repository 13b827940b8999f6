"""Can the desktop app start here? Checked before Qt is imported, so the answer is a message.

Qt aborts the process (SIGABRT, a core dump) when its platform plugin cannot
start: no display, or a system library the X11 plugin links against is
missing. The launcher asks `display_problem` first and prints what to do
instead. Qt-free and outside the layers, like the launcher.
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


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that usually ships a shared library (Debian's naming policy).

    ``libxcb-icccm.so.4`` → ``libxcb-icccm4``; ``libxkbcommon-x11.so.0`` →
    ``libxkbcommon-x11-0`` (a hyphen when the name already ends in a digit).
    """
    stem, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    if not version:
        return stem
    separator = "-" if stem[-1:].isdigit() else ""
    return f"{stem.lower()}{separator}{version}"


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        plugin = Path(location) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """Shared libraries the X11 platform plugin needs and this system lacks (by `ldd`)."""
    plugin = plugin or _xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        output = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted(set(_NOT_FOUND.findall(output)))


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why the desktop app cannot start here, with what to do; None when it can try."""
    platform = platform_name(environ)
    if sys.platform.startswith("linux") and not platform:
        return (
            "fieldwright: no display to open the desktop app on (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set).\n" + HEADLESS_HINT
        )
    if platform == "xcb":
        missing = missing_libraries()
        if missing:
            packages = " ".join(sorted({debian_package(name) for name in missing}))
            return (
                "fieldwright: the desktop app needs system libraries that are not installed: "
                f"{', '.join(missing)}.\n"
                f"On Debian or Ubuntu: sudo apt-get install {packages}\n" + HEADLESS_HINT
            )
    return None
