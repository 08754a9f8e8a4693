"""Queue status: counts per state, the oldest queued age, the pause and the SES outcome counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone
from post_office.models import PRIORITY, STATUS, Email

from bouncy import processing
from mailer.conf import get_settings
from mailer.exceptions import RateLimiterUnavailable
from mailer.lanes import BULK, TRANSACTIONAL, lane_filter
from mailer.models import Delivery
from mailer.pacing import quota
from mailer.queue import HELD, PENDING, feedback_links
from mailer.sending import retry


def queue_counts() -> dict[str, int | float | str | None]:
    """Counts keyed by state name (queued, sending, sent, failed, suppressed, ``held`` for a
    paused campaign's mail, ``retrying`` after a transient error, ``stranded`` for priority
    "now" mail whose web request died, which the sweep queues), then ``retry_for``, the pause
    (``paused``, ``pause_kind``, ``paused_until``, ``pause_reason``), ``send_rate`` and the
    ``ses_*`` counters, ``feedback_pending`` (stored notifications waiting for their batch) and
    ``feedback_unlinked`` (feedback rows no Email was found for within the link window)."""
    now = timezone.now()
    conf = get_settings()
    pending = Q(status__in=PENDING)
    leased = Q(delivery__lease_expires_at__gt=now)
    now_rows = Q(status__isnull=True, priority=PRIORITY.now)
    abandoned = Q(created__lte=now - conf.stranded_after)
    suppressed = Q(delivery__state=Delivery.State.SUPPRESSED)
    counts = Email.objects.aggregate(
        queued=Count("id", filter=pending & ~leased),
        sending=Count("id", filter=(pending & leased) | (now_rows & ~abandoned)),
        stranded=Count("id", filter=now_rows & abandoned),
        retrying=Count("id", filter=pending & Q(delivery__retrying_since__isnull=False)),
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
    return {**counts, "retry_for": retry.describe(conf.retry_for), **_limits(now)}


def _limits(now: datetime) -> dict[str, int | float | str | None]:
    try:
        return quota.snapshot(now)
    except RateLimiterUnavailable as exc:
        return {"paused": None, "pause_reason": str(exc)}


def policy_lines(counts: dict[str, Any]) -> list[str]:
    """The retry policy and the pause in force, in words (``mailer_status``'s text output; the
    same facts as README's "Retries and pauses" table)."""
    conf = get_settings()
    lines = [
        "retries: throttled -> again in 1-5 s, nothing spent; 5xx / no connection / no answer "
        f"-> backoff from ~1 s to 5 min for {counts['retry_for']}, then failed with the last "
        "error; this message refused -> failed",
        f"pauses: account refused -> every worker pauses {conf.account_probe_seconds:.0f} s, "
        "then the next send probes (no email fails); daily quota used up -> pause "
        f"{conf.quota_pause_seconds:.0f} s (no email fails)",
    ]
    if counts.get("paused"):
        lines.append(
            f"PAUSED ({counts['pause_kind']}) until {counts['paused_until']}: "
            f"{counts['pause_reason']}"
        )
    elif counts.get("paused") is None:
        lines.append(f"UNKNOWN: {counts.get('pause_reason')}")
    return lines
