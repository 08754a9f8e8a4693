"""One SES suppression-list call, tried again after a throttle or a transient error.

These calls have their own SES rate (a few per second for the whole account), separate from
the sending rate, so a throttle here backs off this caller only and never cools the shared
send limiter down; a throttle is never a reason to drop or skip an address.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from mailer.exceptions import SESThrottled, SESTransientError

T = TypeVar("T")
ATTEMPTS = 6
FIRST_WAIT_SECONDS = 0.5
MAX_WAIT_SECONDS = 8.0


@dataclass
class Tally:
    """How many throttles and transient errors the calls of one run waited out."""

    throttles: int = 0
    transient: int = 0


def patiently(call: Callable[[], T], tally: Tally, attempts: int = ATTEMPTS) -> T:
    """Run ``call``; after SESThrottled or SESTransientError wait (exponential backoff, full
    jitter) and try again, ``attempts`` times in all; then the last error is raised."""
    for attempt in range(attempts - 1):
        try:
            return call()
        except SESTransientError as exc:
            _count(exc, tally)
            time.sleep(random.uniform(0, min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2**attempt)))
    try:
        return call()
    except SESTransientError as exc:
        _count(exc, tally)
        raise


def _count(exc: SESTransientError, tally: Tally) -> None:
    if isinstance(exc, SESThrottled):
        tally.throttles += 1
    else:
        tally.transient += 1
