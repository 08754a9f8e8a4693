"""The tick: due campaigns start, active ones finish, stalled fan-outs restart."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailer.campaigns import control, scheduler
from mailer.campaigns.models import Campaign, CampaignRecipient
from tests.support.campaigns import run_fanout, settle_email


def test_due_scheduled_campaigns_start(make_campaign):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.id).update(
        scheduled_at=timezone.now() + timedelta(minutes=5)
    )
    control.send(campaign.id)

    assert scheduler.tick()["started"] == []
    assert scheduler.tick(timezone.now() + timedelta(minutes=6))["started"] == [campaign.id]
    assert Campaign.objects.get(pk=campaign.id).status == "sending"


def test_stalled_fan_outs_restart_and_quota_waits_end(sending, django_capture_on_commit_callbacks):
    campaign = sending()
    now = timezone.now()
    assert scheduler.restart_stalled(now) == []  # fresh: its own chain is running

    Campaign.objects.filter(pk=campaign.id).update(fanout_at=now - timedelta(minutes=5))
    with django_capture_on_commit_callbacks() as callbacks:
        assert scheduler.restart_stalled(now) == [campaign.id]
    assert len(callbacks) == 1  # one fan-out task
    assert scheduler.restart_stalled(now) == []  # not again at once

    Campaign.objects.filter(pk=campaign.id).update(not_before=now + timedelta(minutes=1))
    assert scheduler.restart_stalled(now + timedelta(seconds=30)) == []  # still waiting
    assert scheduler.restart_stalled(now + timedelta(minutes=2)) == [campaign.id]


def test_a_fully_queued_campaign_is_not_restarted(sending):
    campaign = sending()
    run_fanout(campaign.id)
    Campaign.objects.filter(pk=campaign.id).update(fanout_at=timezone.now() - timedelta(hours=1))
    assert scheduler.restart_stalled(timezone.now()) == []


def test_a_recently_cancelled_campaign_still_records_late_sends(sending):
    campaign = sending()
    run_fanout(campaign.id)
    in_flight = CampaignRecipient.objects.filter(campaign=campaign).first()
    control.cancel(campaign.id)
    settle_email(in_flight.email_id, "sent", ses_message_id="late")

    scheduler.finish_active(timezone.now() + timedelta(hours=2))  # too late: not synced
    assert CampaignRecipient.objects.get(pk=in_flight.pk).state == "cancelled"
    scheduler.finish_active(timezone.now())
    assert CampaignRecipient.objects.get(pk=in_flight.pk).state == "sent"


def test_sending_campaigns_finish_on_the_tick(sending):
    campaign = sending()
    run_fanout(campaign.id)
    for row in CampaignRecipient.objects.all():
        settle_email(row.email_id, "sent", ses_message_id=f"m{row.id}")
    assert scheduler.tick()["finished"] == [campaign.id]
