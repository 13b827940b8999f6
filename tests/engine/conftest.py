"""Engine tests use a small function registry of their own, not the library."""

from __future__ import annotations

import pytest

from fieldwright.engine.functions import Registry
from tests.engine.kit import make_registry


@pytest.fixture
def registry() -> Registry:
    return make_registry()
