"""Render the application icon's PNG sizes from its SVG source.

    python packaging/render_icons.py     # writes packaging/linux/icons/ (SVG copy + PNGs)
    python packaging/render_icons.py /tmp/ico 16 24 32 48 256    # other sizes, elsewhere

The SVG (resources/icons/fieldwright.svg) is the one source: the wheel ships it
for the window icon; the Linux desktop files install a copy of it and the 48,
128 and 256 px PNGs rendered here. Re-run this after editing the SVG and commit
the results (they are sources for packagers, not build output);
tests/packaging/test_linux_files.py checks the copy and the sizes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE.parent / "resources" / "icons" / "fieldwright.svg"
OUT = HERE / "linux" / "icons"
SIZES = (48, 128, 256)


def render(svg: Path = SVG, out: Path = OUT, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read the SVG icon {svg}")
    out.mkdir(parents=True, exist_ok=True)
    written = [Path(shutil.copyfile(svg, out / svg.name))]
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / f"fieldwright-{size}.png"
        if not image.save(str(target)):
            raise SystemExit(f"cannot write {target}")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    """`render_icons.py [OUTDIR [SIZE …]]`: other sizes (e.g. for a Windows .ico) elsewhere."""
    out = Path(argv[0]) if argv else OUT
    sizes = tuple(int(size) for size in argv[1:]) or SIZES
    for path in render(SVG, out, sizes):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
