"""Retry delays: exponential with jitter, linear or fixed, capped by the policy's maximum.

After attempt ``n`` (1-based) fails transiently and ``n < max_attempts``, the next attempt
waits ``retry_delay(policy, n)`` seconds:

- fixed: ``base``
- linear: ``base * n``
- exponential with jitter: ``d = base * 2 ** (n - 1)``, then "equal jitter":
  ``d / 2 + random() * d / 2`` (between half and all of it, so retries of many schedules
  that failed together spread out but never come back at once)

each capped at ``max_delay`` (the cap applies before the jitter).
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable

from fieldwright.domain.store_models import Backoff, RetryPolicy

__all__ = ["retry_delay", "should_retry"]


def retry_delay(
    policy: RetryPolicy, attempt: int, random: Callable[[], float] = _random.random
) -> float:
    """Seconds to wait after attempt `attempt` failed before the next one."""
    if attempt < 1:
        raise ValueError("attempts are numbered from 1")
    base = policy.base_delay_seconds
    if policy.backoff is Backoff.FIXED:
        raw = base
    elif policy.backoff is Backoff.LINEAR:
        raw = base * attempt
    else:
        raw = base * 2.0 ** min(attempt - 1, 60)
    capped = min(raw, policy.max_delay_seconds)
    if policy.backoff is Backoff.EXPONENTIAL_JITTER:
        return capped / 2 + random() * capped / 2
    return capped


def should_retry(policy: RetryPolicy, attempt: int, *, transient: bool) -> bool:
    """Whether a failed attempt gets another one: only transient failures, within max_attempts."""
    return transient and attempt < policy.max_attempts
