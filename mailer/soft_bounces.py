"""Transient bounces counted per address until they become a ``soft_bounce_limit`` suppression."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction

from mailer.conf import SuppressionSettings, get_suppression_settings
from mailer.models import SoftBounce, Unsubscribe
from mailer.suppression_list import Entry, suppress

Reason = Unsubscribe.Reason


def record_transient(address: str, at: datetime, source: str) -> Unsubscribe | None:
    """Count one transient bounce of normalised ``address`` at ``at``; the suppression if due.

    A run of transient bounces starts with the first one and ends when a delivery to the address
    is reported (``clear``) or when no transient bounce comes for a whole grace period. Within a
    run the address is suppressed once N bounces (MAILROOM_SOFT_BOUNCE_LIMIT) fall within the
    window (MAILROOM_SOFT_BOUNCE_WINDOW_DAYS), or once a bounce comes a grace period
    (MAILROOM_SOFT_BOUNCE_GRACE_DAYS, at most 30) or more after the run's first one.
    """
    conf = get_suppression_settings()
    with transaction.atomic():
        run = _locked_run(address, at)
        if run.count and at - run.last_at > conf.soft_bounce_grace:
            _restart(run, at)
        _add(run, at, source, conf.soft_bounce_limit)
        if not limit_reached(run, at, conf):
            run.save()
            return None
        run.delete()
        return suppress(Entry(address, Reason.SOFT_BOUNCE_LIMIT, source=_summary(run)), now=at)


def clear(address: str) -> bool:
    """Forget the run of ``address`` (a delivery was reported, or its suppression was lifted)."""
    deleted, _ = SoftBounce.objects.filter(address=address).delete()
    return bool(deleted)


def limit_reached(run: SoftBounce, at: datetime, conf: SuppressionSettings) -> bool:
    """N bounces within the window, or a problem lasting the grace period."""
    recent = sorted(datetime.fromisoformat(t) for t in run.recent)
    limit = conf.soft_bounce_limit
    if len(recent) >= limit and recent[-1] - recent[-limit] <= conf.soft_bounce_window:
        return True
    return at - run.first_at >= conf.soft_bounce_grace


def _locked_run(address: str, at: datetime) -> SoftBounce:
    SoftBounce.objects.bulk_create(
        [SoftBounce(address=address, first_at=at, last_at=at)], ignore_conflicts=True
    )
    return SoftBounce.objects.select_for_update().get(address=address)


def _restart(run: SoftBounce, at: datetime) -> None:
    run.count, run.first_at, run.last_at, run.recent = 0, at, at, []


def _add(run: SoftBounce, at: datetime, source: str, limit: int) -> None:
    run.count += 1
    run.first_at, run.last_at = min(run.first_at, at), max(run.last_at, at)
    stamps = sorted([*run.recent, at.astimezone(UTC).isoformat()], key=datetime.fromisoformat)
    run.recent = stamps[-limit:]
    run.source = source[:500]


def _summary(run: SoftBounce) -> str:
    since = f"{run.first_at:%Y-%m-%d %H:%M} UTC"
    return f"{run.count} transient bounces since {since}; last: {run.source}"
