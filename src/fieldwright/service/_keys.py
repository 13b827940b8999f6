"""Business keys of runs: ``proc_{src}_{tgt}_{client}_{yyyymmdd_hhmmss}``.

The systems and the client come from the mapping key
``mapping_{SRC}_{TGT}_{CLIENT}_{yyyymmdd}``; a key of another shape keeps
what it has (``mapping_orders`` → ``proc_orders_20250724_145623``). Two runs
started in the same second get ``_2``, ``_3`` … appended.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["run_key", "run_key_stem"]

_MAPPING = re.compile(r"^mapping_(?P<body>.+?)(?:_(?P<date>\d{8}))?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
#: Room left in the 200-character key for the timestamp and a same-second suffix.
_MAX_STEM = 160


def run_key_stem(mapping_key: str) -> str:
    """``QBT_WFN_ACME`` from ``mapping_QBT_WFN_ACME_20250724``; a safe stem for any key."""
    match = _MAPPING.match(mapping_key)
    body = match.group("body") if match else mapping_key
    stem = _UNSAFE.sub("_", body).strip("_")
    return stem[:_MAX_STEM].rstrip("_") or "run"


def run_key(mapping_key: str, started_at: datetime, attempt: int = 1) -> str:
    """The key of a run of `mapping_key` started at `started_at` (UTC); `attempt` ≥ 2 adds
    a suffix for a second run started in the same second."""
    stamp = started_at.astimezone(UTC).strftime("%Y%m%d_%H%M%S")
    key = f"proc_{run_key_stem(mapping_key)}_{stamp}"
    return key if attempt <= 1 else f"{key}_{attempt}"
