"""Room left for bulk mail in SES's rolling 24-hour quota (as last read by mailer.quota)."""

from __future__ import annotations

from mailer.conf import get_settings
from mailer.exceptions import RateLimiterUnavailable
from mailer.queue import unsent_bulk
from mailer.ratelimit import get_state


def daily_room() -> int | None:
    """Recipients bulk mail may still queue; None if the quota is unknown or unlimited.

    Bulk gets the 24-hour quota less the transactional share, less what was sent in the last
    24 hours, less bulk mail already queued (or held by a paused campaign).
    """
    try:
        quota = get_state().quota()
    except RateLimiterUnavailable:
        return None
    if quota is None or quota.max_24_hour_send < 0:
        return None
    bulk_limit = quota.max_24_hour_send * (1 - get_settings().transactional_share)
    used = quota.sent_last_24_hours + unsent_bulk()
    return max(0, int(bulk_limit - used))
