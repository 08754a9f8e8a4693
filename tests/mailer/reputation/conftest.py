"""Reputation fixtures: the guard's settings made small, and the cache emptied around each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache(redis_client) -> Iterator[None]:
    """The guard's state and the refresh lock live in the Django cache (the test Redis)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small(settings):
    """Samples small enough to reach in a test."""
    settings.MAILROOM_REPUTATION_MIN_SAMPLE = 20
    settings.MAILROOM_REPUTATION_CAMPAIGN_MIN_SAMPLE = 10
    return settings
