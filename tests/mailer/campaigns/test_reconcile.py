"""Syncing recipients from their emails' outcomes, and finishing the campaign."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailer.campaigns import control, reconcile
from mailer.campaigns.models import Campaign, CampaignRecipient
from tests.support.campaigns import csv_text, run_fanout, settle_email

State = CampaignRecipient.State


def recipients(campaign: Campaign) -> dict[str, CampaignRecipient]:
    rows = CampaignRecipient.objects.filter(campaign=campaign).select_related("member")
    return {r.member.address: r for r in rows}


def test_outcomes_are_copied_onto_recipients_and_the_campaign_finishes(sending):
    campaign = sending(csv_text(4))
    run_fanout(campaign.id)
    by_address = recipients(campaign)
    sent_at = timezone.now() - timedelta(seconds=5)
    settle_email(
        by_address["user0@example.com"].email_id, "sent", sent_at=sent_at, ses_message_id="m0"
    )
    settle_email(by_address["user1@example.com"].email_id, "failed", error="MessageRejected: no")
    settle_email(by_address["user2@example.com"].email_id, "suppressed", error="All suppressed")

    assert reconcile.sync(campaign.id) is False  # user3 is still queued

    after = recipients(campaign)
    assert (
        after["user0@example.com"].state == State.SENT
        and after["user0@example.com"].sent_at == sent_at
    )
    assert (after["user1@example.com"].state, after["user1@example.com"].error) == (
        "failed",
        "MessageRejected: no",
    )
    assert after["user2@example.com"].state == State.SUPPRESSED
    assert after["user3@example.com"].state == State.QUEUED

    settle_email(by_address["user3@example.com"].email_id, "sent", ses_message_id="m3")
    assert reconcile.sync(campaign.id) is True
    assert Campaign.objects.get(pk=campaign.id).status == "done"


def test_a_cancelled_recipient_whose_email_went_out_anyway_is_sent(sending):
    campaign = sending(csv_text(2))
    run_fanout(campaign.id)
    in_flight = recipients(campaign)["user0@example.com"].email_id
    control.cancel(campaign.id)
    settle_email(in_flight, "sent", ses_message_id="late")  # the worker recorded it after

    reconcile.sync(campaign.id)

    states = {a: r.state for a, r in recipients(campaign).items()}
    assert states == {"user0@example.com": "sent", "user1@example.com": "cancelled"}


def test_a_campaign_is_not_done_before_every_member_is_enrolled(sending, settings):
    settings.MAILROOM_CAMPAIGN_CHUNK_SIZE = 2
    campaign = sending(csv_text(3))
    from mailer.campaigns.fanout.steps import step

    step(campaign.id)
    for r in CampaignRecipient.objects.all():
        settle_email(r.email_id, "sent", ses_message_id=f"m{r.id}")

    assert reconcile.sync(campaign.id) is False
    assert Campaign.objects.get(pk=campaign.id).status == "sending"


def test_later_syncs_look_only_at_outcomes_recorded_since_the_last_one(sending):
    from mailer.models import Delivery

    campaign = sending(csv_text(3))
    run_fanout(campaign.id)
    reconcile.sync(campaign.id)  # the first sync is a full one
    by_address = recipients(campaign)
    settle_email(by_address["user0@example.com"].email_id, "sent", ses_message_id="new")
    settle_email(by_address["user1@example.com"].email_id, "sent", ses_message_id="old")
    long_ago = timezone.now() - reconcile.OVERLAP - timedelta(minutes=1)
    Delivery.objects.filter(ses_message_id="old").update(updated_at=long_ago)

    reconcile.sync(campaign.id)

    states = {a: r.state for a, r in recipients(campaign).items()}
    assert states == {"user0@example.com": "sent", "user1@example.com": "queued",
                      "user2@example.com": "queued"}

    assert reconcile.sync_recipients(campaign.id, full=True) == 1  # the safety net finds it
    assert recipients(campaign)["user1@example.com"].state == "sent"


def test_a_full_sync_runs_when_the_last_one_is_old_and_finds_deleted_emails(sending):
    from post_office.models import Email

    campaign = sending(csv_text(2))
    run_fanout(campaign.id)
    reconcile.sync(campaign.id)
    gone = recipients(campaign)["user0@example.com"]
    Email.objects.filter(pk=gone.email_id).delete()  # e.g. an overeager cleanup

    reconcile.sync(campaign.id)
    assert recipients(campaign)["user0@example.com"].state == "queued"  # incremental: unseen

    stale = timezone.now() - reconcile.FULL_SYNC_INTERVAL - timedelta(seconds=1)
    Campaign.objects.filter(pk=campaign.id).update(fully_synced_at=stale)
    reconcile.sync(campaign.id)

    lost = recipients(campaign)["user0@example.com"]
    assert (lost.state, lost.error) == ("failed", reconcile.DELETED_EMAIL)
    assert Campaign.objects.get(pk=campaign.id).fully_synced_at > stale
