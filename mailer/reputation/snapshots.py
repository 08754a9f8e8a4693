"""Stored rate snapshots: take one per stream over the rolling window, read the latest, prune."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

from mailer.reputation import campaigns
from mailer.reputation.conf import get_settings
from mailer.reputation.models import RateSnapshot, Stream
from mailer.reputation.rates import StreamCounts


def store(streams: list[StreamCounts], start: datetime, now: datetime) -> list[RateSnapshot]:
    """Store one measurement of every stream (from ``rates.by_stream(start)``)."""
    names = campaigns.names(s.campaign_id for s in streams if s.campaign_id is not None)
    rows = [_row(s, now, start, names) for s in streams]
    return RateSnapshot.objects.bulk_create(rows)


def _row(s: StreamCounts, now: datetime, start: datetime, names: dict[int, str]) -> RateSnapshot:
    c = s.counts
    return RateSnapshot(
        taken_at=now,
        stream=s.stream,
        campaign_id=s.campaign_id,
        campaign_name=names.get(s.campaign_id, "") if s.campaign_id else "",
        window_start=start,
        sends=c.sends,
        recipients=c.recipients,
        delivered=c.delivered,
        hard_bounces=c.hard_bounces,
        soft_bounces=c.soft_bounces,
        complaints=c.complaints,
        bounce_rate=c.bounce_rate,
        complaint_rate=c.complaint_rate,
    )


def latest() -> list[RateSnapshot]:
    """The streams of the newest snapshot (empty before the first one)."""
    newest = RateSnapshot.objects.aggregate(at=Max("taken_at"))["at"]
    return list(RateSnapshot.objects.filter(taken_at=newest)) if newest else []


def account(snapshot: list[RateSnapshot]) -> RateSnapshot | None:
    """The all-mail row of a snapshot."""
    return next((row for row in snapshot if row.stream == Stream.ALL), None)


def prune(now: datetime) -> int:
    """Delete snapshots older than MAILROOM_REPUTATION_SNAPSHOT_DAYS; returns how many."""
    cutoff = now - get_settings().snapshot_retention
    deleted, _ = RateSnapshot.objects.filter(taken_at__lt=cutoff).delete()
    return deleted
