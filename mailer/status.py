"""Queue status: counts per state, the oldest queued age, the pause and the SES outcome counters."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone
from post_office.models import STATUS, Email

from bouncy import processing
from mailer import feedback_links
from mailer.exceptions import RateLimiterUnavailable
from mailer.lanes import BULK, TRANSACTIONAL, lane_filter
from mailer.models import Delivery
from mailer.pacing import quota
from mailer.queue import HELD, PENDING


def queue_counts() -> dict[str, int | float | str | None]:
    """Counts keyed by state name (queued, sending, sent, failed, suppressed, ``held`` for a
    paused campaign's mail, …), then the
    pause (``paused``, ``paused_until``, ``pause_reason``), ``send_rate`` and ``ses_*`` counters,
    ``feedback_pending`` (stored notifications waiting for their batch) and ``feedback_unlinked``
    (feedback rows no Email was found for within the link window)."""
    now = timezone.now()
    pending = Q(status__in=PENDING)
    leased = Q(delivery__lease_expires_at__gt=now)
    suppressed = Q(delivery__state=Delivery.State.SUPPRESSED)
    counts = Email.objects.aggregate(
        queued=Count("id", filter=pending & ~leased),
        sending=Count("id", filter=pending & leased),
        sent=Count("id", filter=Q(status=STATUS.sent)),
        failed=Count("id", filter=Q(status=STATUS.failed) & ~suppressed),
        suppressed=Count("id", filter=Q(status=STATUS.failed) & suppressed),
        scheduled=Count("id", filter=pending & Q(scheduled_time__gt=now)),
        queued_transactional=Count("id", filter=pending & ~leased & lane_filter(TRANSACTIONAL)),
        queued_bulk=Count("id", filter=pending & ~leased & lane_filter(BULK)),
        held=Count("id", filter=HELD & lane_filter(BULK)),
        possible_duplicates=Count("id", filter=Q(delivery__possible_duplicate=True)),
        oldest=Min("created", filter=pending),
    )
    oldest = counts.pop("oldest")
    counts["oldest_queued_age_seconds"] = (
        round((now - oldest).total_seconds(), 1) if oldest else None
    )
    counts["feedback_pending"] = processing.pending().count()
    counts["feedback_unlinked"] = feedback_links.unlinked_count(now)
    return {**counts, **_limits(now)}


def _limits(now: datetime) -> dict[str, int | float | str | None]:
    try:
        return quota.snapshot(now)
    except RateLimiterUnavailable as exc:
        return {"paused": None, "pause_reason": str(exc)}
