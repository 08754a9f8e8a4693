"""Waiting for something another process or thread does, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_until(predicate: Callable[[], bool], timeout: float, message: str) -> None:
    """Poll ``predicate`` until it is true; fail with ``message`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout:.0f} s: {message}", pytrace=False)
