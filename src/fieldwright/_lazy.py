"""Lazy package exports (PEP 562): a public name imports its module on first use.

Packages whose members pull in heavy libraries (SQLAlchemy, httpx, openpyxl,
APScheduler) use this so that importing one name does not import them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], locations: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, whose names live in `locations`."""
    exported = tuple(public)

    def __getattr__(name: str) -> Any:
        module = locations.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        """The public names, not the helpers the package imports to be lazy."""
        return sorted({*exported, *(name for name in namespace if name.startswith("_"))})

    return __getattr__, __dir__
