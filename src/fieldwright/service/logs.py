"""Logging for headless use (`fieldwright serve`): readable lines, secrets masked."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from fieldwright.connectors.credentials import install_secret_masker

__all__ = ["configure_logging"]

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Log to `stream` (stderr) at `level`, with every known secret masked in every line."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    install_secret_masker(root)
    # APScheduler reports every job at INFO; our own lines say what matters.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
