"""Packaging tests: they build real artefacts, so they run when CI asks for them.

`FIELDWRIGHT_PACKAGING_TESTS=1` (set by `.ci/run`) turns them on; then a
missing tool is a failure, not a skip. Unset, each test skips and says why.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENABLED = os.environ.get("FIELDWRIGHT_PACKAGING_TESTS") == "1"
ENABLE_HINT = "set FIELDWRIGHT_PACKAGING_TESTS=1 to run it (.ci/run does)"

# The tests' autouse fixture points HOME and XDG_CACHE_HOME at a temporary
# directory; pip in a subprocess must still find the real, warm download cache.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"
)


def require_enabled(what: str) -> None:
    """Skip (with why and how to run it) unless packaging tests are enabled."""
    if not ENABLED:
        pytest.skip(f"{what}; {ENABLE_HINT}")


def require_tool(name: str, package: str) -> str:
    """The path of a command-line tool; skip without it, or fail when tests are enabled."""
    found = shutil.which(name)
    if found is None:
        reason = f"`{name}` is not installed (Debian package {package})"
        if ENABLED:
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(f"{reason}; {ENABLE_HINT} to make this a failure")
    return found
