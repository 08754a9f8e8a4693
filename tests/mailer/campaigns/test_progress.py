"""Progress: counts per state (members not enrolled count as pending), rate and ETA."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.campaigns.progress import progress
from mailer.pacing.limiter import get_limiter
from tests.mailer.campaigns.conftest import csv_text, run_fanout


def test_a_draft_counts_its_whole_audience_as_pending(make_campaign, redis_client):
    report = progress(make_campaign(csv_text(7)))
    assert report.counts["pending"] == 7 and report.total == 7 and report.eta_seconds is None
    assert report.status == "draft" and report.done_fraction == 0.0


def test_eta_comes_from_the_limiter_rate_and_rate_from_recent_sends(sending, redis_client):
    campaign = sending(csv_text(40))
    run_fanout(campaign.id)
    recently = timezone.now() - timedelta(seconds=10)
    ids = list(CampaignRecipient.objects.values_list("id", flat=True)[:12])
    CampaignRecipient.objects.filter(id__in=ids).update(state="sent", sent_at=recently)
    CampaignRecipient.objects.filter(id__in=ids[:2]).update(
        delivered_at=recently, opens=1, opened_at=recently
    )
    get_limiter().set_rate(4.0)

    report = progress(Campaign.objects.get(pk=campaign.id))

    assert report.counts["sent"] == 12 and report.counts["queued"] == 28
    assert report.limit_rate == 4.0 and report.eta_seconds == 7.0  # 28 left at 4/s
    assert report.rate == 0.2  # 12 in the last 60 s
    assert (report.delivered, report.opened, report.clicked) == (2, 2, 0)
    data = report.as_dict()
    assert data["sent"] == 12 and data["queued"] == 28 and data["total"] == 40
    assert set(CampaignRecipient.State.values) <= set(data)


def test_without_a_stored_rate_the_configured_rate_is_used(sending, redis_client, settings):
    settings.MAILROOM_MAX_SEND_RATE = 5.0
    campaign = sending(csv_text(10))
    run_fanout(campaign.id)
    assert progress(Campaign.objects.get(pk=campaign.id)).eta_seconds == 2.0
