"""The screenshot script renders every screen (to a tmp dir, never into the repository)."""

from __future__ import annotations

from pathlib import Path

from fieldwright.app.shell.screenshots import render


def test_screenshots_render(tmp_path: Path) -> None:
    written = render(tmp_path)
    assert [p.name for p in written] == [
        "welcome.png",
        "designer.png",
        "preview_failed.png",
        "designer_dark.png",
        "pipelines.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in written)
