"""The themes: every placeholder filled, and the combo/spin arrows drawn in the theme's colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from fieldwright.app.shell.main import app_icon
from fieldwright.app.shell.theme import THEMES, arrow_images, stylesheet


@pytest.mark.parametrize("name", sorted(THEMES))
def test_the_stylesheet_names_arrow_images_that_exist_in_the_theme_colour(
    name: str, tmp_path: Path
) -> None:
    theme = THEMES[name]
    arrows = arrow_images(theme, tmp_path)
    qss = stylesheet(theme, arrows)
    assert "$" not in qss  # every placeholder filled
    urls = set(re.findall(r"url\(([^)]+)\)", qss))
    assert urls == set(arrows.values())
    for url in urls:
        assert theme.muted in Path(url).read_text(encoding="utf-8")
        image = QImage(url)  # Qt can read it (the SVG image plugin is there)
        assert not image.isNull() and image.width() == 10
    # Written once: a second call leaves the files alone.
    stamps = {url: Path(url).stat().st_mtime_ns for url in urls}
    arrow_images(theme, tmp_path)
    assert {url: Path(url).stat().st_mtime_ns for url in urls} == stamps


def test_the_application_icon_is_drawn_from_the_bundled_svg() -> None:
    pixmap = app_icon().pixmap(64, 64)
    assert not pixmap.isNull() and pixmap.width() == 64
    image = pixmap.toImage()
    assert len({image.pixel(x, y) for x in range(0, 64, 4) for y in range(0, 64, 4)}) > 3
