"""Progress: counts per state (members not enrolled count as pending), rate and ETA."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.campaigns.progress import progress
from mailer.pacing.limiter import get_limiter
from tests.support.campaigns import csv_text, run_fanout


def test_a_draft_counts_its_whole_audience_as_pending(make_campaign, redis_client):
    report = progress(make_campaign(csv_text(7)))
    assert report.counts["pending"] == 7 and report.total == 7 and report.eta_seconds is None
    assert report.status == "draft" and report.done_fraction == 0.0


def test_rate_is_measured_since_the_first_recent_send_and_the_eta_comes_from_it(
    sending, redis_client
):
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
    # 12 sent 10 s ago: 1.2/s over 10 s (not 12 / 60 s); 28 left at that rate
    assert report.rate == 1.2 and report.rate_seconds == 10
    assert report.rate_label == "1.2/s over the last 10 s"
    assert report.eta_seconds == 23.3 and report.eta_label == "0:00:23 at the current rate"
    assert report.limit_rate == 4.0
    assert (report.delivered, report.opened, report.clicked) == (2, 2, 0)
    data = report.as_dict()
    assert data["sent"] == 12 and data["queued"] == 28 and data["total"] == 40
    assert set(CampaignRecipient.State.values) <= set(data)


def test_before_the_first_send_the_eta_is_at_the_configured_rate(sending, redis_client, settings):
    settings.MAILROOM_MAX_SEND_RATE = 5.0
    campaign = sending(csv_text(10))
    run_fanout(campaign.id)
    report = progress(Campaign.objects.get(pk=campaign.id))
    assert report.eta_seconds == 2.0 and report.eta_basis == "account limit"
    assert report.rate == 0 and report.rate_label == "0/s (nothing sent in the last minute)"


def test_a_paused_campaign_sends_at_zero_and_has_no_eta(sending, redis_client):
    campaign = sending(csv_text(10))
    run_fanout(campaign.id)
    CampaignRecipient.objects.update(state="sent", sent_at=timezone.now() - timedelta(seconds=5))
    Campaign.objects.filter(pk=campaign.id).update(status="paused")
    report = progress(Campaign.objects.get(pk=campaign.id))
    assert report.rate == 0 and report.rate_label == "0/s (paused)"
    assert report.eta_seconds is None and report.eta_label == "-"
