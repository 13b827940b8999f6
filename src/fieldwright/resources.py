"""Locate the data shipped with Fieldwright (`ui/` forms, `resources/`).

An installed wheel carries them inside the package under ``fieldwright/_data``
(see ``[tool.hatch.build.targets.wheel.force-include]``); a source checkout
(editable install, tests) has them at the top of the repository. Both are
found through ``importlib.resources`` first, so frozen apps work too.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["examples_dir", "resources_dir", "ui_dir"]


@cache
def _data_root(name: str) -> Path:
    packaged = Path(str(resources.files("fieldwright"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"Fieldwright's {name}/ data is missing: looked in {packaged} and {checkout}. "
        "Reinstall the package."
    )


def resources_dir() -> Path:
    """The `resources/` folder: icons, templates, examples."""
    return _data_root("resources")


def ui_dir() -> Path:
    """The `ui/` folder: Qt Designer forms and stylesheets."""
    return _data_root("ui")


def examples_dir() -> Path:
    """The bundled example mappings with their sample data."""
    return resources_dir() / "examples"
