"""Retry delays as the policy computes them."""

from __future__ import annotations

import pytest

from fieldwright.domain.store_models import Backoff, RetryPolicy
from fieldwright.scheduler import retry_delay, should_retry


def test_exponential_with_jitter_doubles_caps_and_jitters_within_the_upper_half() -> None:
    policy = RetryPolicy(
        max_attempts=6,
        base_delay_seconds=10,
        max_delay_seconds=60,
        backoff=Backoff.EXPONENTIAL_JITTER,
    )
    assert [retry_delay(policy, n, lambda: 1.0) for n in range(1, 6)] == [10, 20, 40, 60, 60]
    assert [retry_delay(policy, n, lambda: 0.0) for n in range(1, 6)] == [5, 10, 20, 30, 30]
    assert retry_delay(policy, 2, lambda: 0.5) == 15


def test_linear_and_fixed() -> None:
    linear = RetryPolicy(base_delay_seconds=5, max_delay_seconds=12, backoff=Backoff.LINEAR)
    assert [retry_delay(linear, n) for n in (1, 2, 3)] == [5, 10, 12]
    fixed = RetryPolicy(base_delay_seconds=7, max_delay_seconds=100, backoff=Backoff.FIXED)
    assert [retry_delay(fixed, n) for n in (1, 2, 9)] == [7, 7, 7]
    with pytest.raises(ValueError, match="numbered from 1"):
        retry_delay(fixed, 0)


def test_only_transient_failures_within_max_attempts_are_retried() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert should_retry(policy, 1, transient=True)
    assert should_retry(policy, 2, transient=True)
    assert not should_retry(policy, 3, transient=True)
    assert not should_retry(policy, 1, transient=False)
