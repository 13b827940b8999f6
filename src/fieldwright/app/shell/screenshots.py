"""Render the main screens to PNG files: `python -m fieldwright.app.shell.screenshots [OUTDIR]`.

Uses throwaway settings and the offscreen platform unless a display is set;
writes welcome.png, designer.png, preview_failed.png, designer_dark.png and
pipelines.png (a branching pipeline with its per-step preview and a record's
lineage) at 1280×820. Without OUTDIR it writes README's pictures, `docs/images/` of the
checkout it is run from: the one kind of picture the repository keeps.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, SignalInstance

from fieldwright.app.shell.workers import wait_for_signal

__all__ = ["README_IMAGES", "SIZE", "render"]

#: Where README's pictures live, relative to the checkout.
README_IMAGES = Path("docs") / "images"
#: The window size of the pictures (the reference size panels are checked at).
SIZE = (1280, 820)


def _wait(signal: SignalInstance, timeout_ms: int = 10_000) -> None:
    wait_for_signal(signal, timeout_ms)


def _settle() -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()


def render(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from fieldwright.app.home.welcome import example_mappings
    from fieldwright.app.settings.app_settings import AppSettings
    from fieldwright.app.shell.main import create_app
    from fieldwright.app.shell.main_window import MainWindow
    from fieldwright.app.shell.theme import DARK, LIGHT, apply_theme

    out.mkdir(parents=True, exist_ok=True)
    app = create_app([])
    apply_theme(app, LIGHT)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        example = next(p for p in example_mappings() if "hubspot" in str(p))
        for path in example_mappings():
            settings.add_recent_file(path)
        window = MainWindow(settings)
        window.resize(*SIZE)
        window.show()
        _settle()

        def shot(name: str) -> None:
            _settle()
            target = out / name
            window.grab().save(str(target))
            written.append(target)

        shot("welcome.png")
        window.documents.open_path(example)
        _wait(window.preview.previewUpdated)
        window.designer.select_mapping("$.full_name")
        shot("designer.png")

        window.designer.select_mapping("$.email")
        window.designer.inspector._commit("rule_max_length", 18)
        _wait(window.preview.previewUpdated)
        failed = window.preview.model.failed_cell()
        if failed.isValid():
            window.preview.table.setCurrentIndex(failed)
            window.preview.table.scrollTo(failed)
        shot("preview_failed.png")

        apply_theme(app, DARK)
        shot("designer_dark.png")
        apply_theme(app, LIGHT)
        _pipelines(window, Path(tmp) / "pipeline")
        shot("pipelines.png")
        window.session.stack.setClean()
        window.close()
        window.deleteLater()
        _settle()
    return written


def _pipelines(window: object, folder: Path) -> None:
    """The Pipelines page on the example pipeline, previewed, an aggregate's record selected."""
    from fieldwright.app.pipelines.example import write_example
    from fieldwright.app.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    pipeline, sample = write_example(folder)
    window.show_page("Pipelines")
    page = window.pipelines_page
    page.open_path(pipeline)
    page.tree.show_document(page.session.document, select=(1,))
    page.preview.sample.setText(str(sample))
    page.preview.refresh()
    _wait(page.preview.previewed)
    page.preview.select_step("per country")
    page.preview.records.selectRow(0)


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: python -m fieldwright.app.shell.screenshots [OUTDIR]", file=sys.stderr)
        return 2
    for path in render(Path(argv[0]) if argv else README_IMAGES):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
