"""Byte code for the bench runs, as an installed copy has it."""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path

__all__ = ["byte_compile_fieldwright"]


def byte_compile_fieldwright() -> None:
    """Compile fieldwright's modules to byte code once, as installing it does (pip
    compiles at install time). A source checkout run with PYTHONDONTWRITEBYTECODE set
    would otherwise compile every module again in every run: 0.2 s of each run's
    start-up, which no installed copy pays (docs/engine-speed.md)."""
    spec = importlib.util.find_spec("fieldwright")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)
