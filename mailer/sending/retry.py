"""The one retry policy: how long an email waits after each kind of SES failure, and when it
stops trying.

- A **throttle** waits 1-5 s (jittered) and spends nothing: SES only said "slower".
- A **pause** (24-hour quota used up, the account refused) puts the email back for when the
  pause ends and spends nothing: the email is not at fault.
- A **transient error** (5xx, no connection, an answer that never came) waits with exponential
  backoff and full jitter: a uniform draw from 0 to 1 s, 2 s, 4 s, … capped at 5 minutes, so a
  password reset that meets one 5xx is retried within a second while a long outage costs SES
  a few calls per email per five minutes. Retries go on for ``MAILROOM_RETRY_FOR`` (24 h by
  default) from the email's first transient error; then it fails with its last error.

``expires_at`` (post_office) still fails an email that is worthless after some time, whatever
happened. ``MAILROOM_MAX_RETRIES`` never had an effect and is deprecated (check mailer.W010).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

THROTTLE_DELAY = (1.0, 5.0)
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0


def throttle_delay() -> float:
    """Seconds before a throttled email is due again."""
    return random.uniform(*THROTTLE_DELAY)


def transient_delay(failures: int) -> float:
    """Seconds before the next try after ``failures`` earlier transient errors (full jitter)."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(failures, 20))
    return random.uniform(0, ceiling)


def pause_delay(seconds: float) -> float:
    """Seconds before an email given back by a pause is due: when the pause ends (a drain is
    woken then, and claims in priority order)."""
    return seconds


def given_up(retrying_since: datetime | None, now: datetime, retry_for: timedelta) -> bool:
    """Whether transient errors have been retried for ``retry_for`` already."""
    return retrying_since is not None and now - retrying_since >= retry_for


def describe(retry_for: timedelta) -> str:
    """``retry_for`` in words (24h, 90m, 45s), for error messages and ``mailer_status``."""
    seconds = int(retry_for.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
