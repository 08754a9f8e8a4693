"""The periodic tick: start due campaigns, sync active ones, restart stalled fan-outs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from mailer.campaigns import control, reconcile
from mailer.campaigns.conf import get_campaign_settings
from mailer.campaigns.exceptions import CampaignNotFound
from mailer.campaigns.models import Campaign, CampaignRecipient

Status = Campaign.Status
State = CampaignRecipient.State
LATE_SENDS = timedelta(hours=1)


def tick(now: datetime | None = None) -> dict[str, list[int]]:
    """One pass; returns the ids started, finished and restarted."""
    now = now or timezone.now()
    return {
        "started": start_due(now),
        "finished": finish_active(now),
        "restarted": restart_stalled(now),
    }


def start_due(now: datetime) -> list[int]:
    """Start scheduled campaigns whose time has come."""
    due = Campaign.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=now)
    started = []
    for campaign_id in due.values_list("id", flat=True):
        try:
            with control.locked(campaign_id) as campaign:
                if campaign.status == Status.SCHEDULED:
                    control.start(campaign, now)
                    started.append(campaign_id)
        except CampaignNotFound:
            continue
    return started


def finish_active(now: datetime) -> list[int]:
    """Sync sending, paused and recently cancelled campaigns; returns those now done.

    A cancelled campaign is synced for an hour (far longer than a lease) so that an email a
    worker was sending as it was cancelled is recorded as sent.
    """
    recent = Q(status=Status.CANCELLED, finished__gte=now - LATE_SENDS)
    active = Campaign.objects.filter(Q(status__in=[Status.SENDING, Status.PAUSED]) | recent)
    return [cid for cid in active.values_list("id", flat=True) if reconcile.sync(cid)]


def restart_stalled(now: datetime) -> list[int]:
    """Re-enqueue fan-out for sending campaigns whose chain stopped (crash, lost task, or the
    end of a wait for quota) while work is left."""
    stale = now - timedelta(seconds=get_campaign_settings().stale_seconds)
    quiet = Q(not_before__isnull=True, fanout_at__lt=stale) | Q(not_before__lte=now)
    pending = CampaignRecipient.objects.filter(campaign=OuterRef("pk"), state=State.PENDING)
    work_left = Q(enrolled=False) | Q(Exists(pending))
    stalled = Campaign.objects.filter(quiet, work_left, status=Status.SENDING)
    ids = list(stalled.values_list("id", flat=True))
    Campaign.objects.filter(id__in=ids).update(fanout_at=now, not_before=None)
    for campaign_id in ids:
        control.fan_out(campaign_id)
    return ids
