"""Control: transitions, holding and failing a campaign's emails, and a real worker obeying them."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from post_office.models import STATUS, Email, Log

from mailer.campaigns import control
from mailer.campaigns.exceptions import CampaignStateError
from mailer.campaigns.fanout.steps import step
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.campaigns.progress import progress
from mailer.models import Delivery
from tests.support.campaigns import csv_text, run_fanout
from tests.support.waiting import wait_until

Status = Campaign.Status
State = CampaignRecipient.State
SLOW = {"MAILROOM_MAX_SEND_RATE": "8", "MAILROOM_BATCH_SIZE": "4"}


def sent_to(ses_sandbox) -> Counter:
    return Counter(d for m in ses_sandbox.messages() for d in m["destinations"])


def in_flight() -> int:
    """Emails a worker holds under a live lease (claimed, not yet recorded or given back)."""
    return Delivery.objects.filter(lease_expires_at__gt=timezone.now()).count()


def settle(ses_sandbox, quiet: float = 2.0, timeout: float = 30.0) -> int:
    """Wait until no email is in a worker's hands and none arrived for ``quiet`` seconds."""
    end = time.monotonic() + timeout
    count = -1
    while time.monotonic() < end:
        now = len(ses_sandbox.messages())
        if now == count and not in_flight():
            return count
        count = now
        time.sleep(quiet)
    pytest.fail(f"still sending after {timeout:.0f} s ({in_flight()} in flight)", pytrace=False)


def wait_done(campaign: Campaign, timeout: float = 60.0) -> None:
    """Wait for the campaign to finish; fail with its counts per state."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        report = progress(Campaign.objects.get(pk=campaign.id))
        if report.status == "done":
            return
        time.sleep(0.2)
    pytest.fail(
        f"not done after {timeout:.0f} s: {report.counts}, {in_flight()} in flight", pytrace=False
    )


def test_only_allowed_transitions_happen(make_campaign):
    campaign = make_campaign()
    with pytest.raises(CampaignStateError, match="'news' is draft: it cannot be paused"):
        control.pause(campaign.id)
    control.send(campaign.id)
    with pytest.raises(CampaignStateError, match="cannot be sent"):
        control.send(campaign.id)
    control.cancel(campaign.id)
    with pytest.raises(CampaignStateError, match="is cancelled: it cannot be resumed"):
        control.resume(campaign.id)


def test_a_future_start_schedules_and_pause_resume_keep_it_scheduled(make_campaign):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.id).update(scheduled_at=timezone.now() + timedelta(hours=1))

    assert control.send(campaign.id).status == Status.SCHEDULED
    assert control.pause(campaign.id).status == Status.PAUSED
    assert control.resume(campaign.id).status == Status.SCHEDULED
    assert not Email.objects.exists()


def test_pause_holds_queued_emails_and_resume_releases_them(sending):
    campaign = sending(csv_text(6))
    run_fanout(campaign.id)

    control.pause(campaign.id)
    assert Email.objects.filter(status__isnull=True).count() == 6  # held: never claimed

    control.resume(campaign.id)
    assert Email.objects.filter(status=STATUS.queued).count() == 6
    assert Campaign.objects.get(pk=campaign.id).status == Status.SENDING


def test_cancel_fails_unsent_emails_and_records_every_unsent_recipient(sending, settings):
    settings.MAILROOM_CAMPAIGN_CHUNK_SIZE = 4
    campaign = sending(csv_text(10))

    step(campaign.id)  # 4 queued, 6 not yet fanned out
    sent = CampaignRecipient.objects.filter(state=State.QUEUED).first().email
    Email.objects.filter(pk=sent.pk).update(status=STATUS.sent)

    assert control.cancel(campaign.id) == 9

    states = Counter(CampaignRecipient.objects.values_list("state", flat=True))
    assert states == {"cancelled": 9, "sent": 1}
    assert Email.objects.filter(status=STATUS.failed).count() == 3
    logs = Log.objects.filter(message="campaign cancelled", status=STATUS.failed)
    assert logs.count() == 3
    assert progress(Campaign.objects.get(pk=campaign.id)).counts["cancelled"] == 9


def test_retry_failed_requeues_only_the_failed_recipients(sending):
    campaign = sending(csv_text(4))
    run_fanout(campaign.id)
    failed = CampaignRecipient.objects.get(member__address="user1@example.com")
    old_email = failed.email_id
    Email.objects.filter(pk=old_email).update(status=STATUS.failed)
    Email.objects.exclude(pk=old_email).update(status=STATUS.sent)

    assert control.retry_failed(campaign.id) == 1
    run_fanout(campaign.id)

    failed.refresh_from_db()
    assert failed.state == State.QUEUED and failed.email_id != old_email
    assert Email.objects.count() == 5
    assert CampaignRecipient.objects.filter(state=State.SENT).count() == 3


def test_pause_and_resume_with_a_real_worker(start_worker, ses_sandbox, make_campaign):
    campaign = make_campaign(csv_text(40))
    start_worker(env=SLOW)
    control.send(campaign.id)
    wait_until(lambda: len(ses_sandbox.messages()) >= 6, 60, "the campaign never started sending")

    control.pause(campaign.id)
    paused_at = len(ses_sandbox.messages())
    held = settle(ses_sandbox)

    assert held - paused_at <= 8  # at most the batches the worker held (2 processes x 4)
    assert held < 40
    report = progress(Campaign.objects.get(pk=campaign.id))
    assert report.status == "paused" and report.counts["sent"] == held
    assert report.counts["queued"] + report.counts["pending"] == 40 - held

    control.resume(campaign.id)
    wait_done(campaign)
    assert sent_to(ses_sandbox) == Counter({f"user{i}@example.com": 1 for i in range(40)})


def test_cancel_with_a_real_worker(start_worker, ses_sandbox, make_campaign):
    campaign = make_campaign(csv_text(40))
    start_worker(env=SLOW)
    control.send(campaign.id)
    wait_until(lambda: len(ses_sandbox.messages()) >= 6, 60, "the campaign never started sending")

    cancelled = control.cancel(campaign.id)
    sent = settle(ses_sandbox)

    report = progress(Campaign.objects.get(pk=campaign.id))
    assert report.status == "cancelled" and sent < 40 and cancelled >= 40 - sent
    assert report.counts["sent"] == sent and report.counts["cancelled"] == 40 - sent
    assert max(sent_to(ses_sandbox).values()) == 1
    unsent = CampaignRecipient.objects.filter(state=State.CANCELLED, email__isnull=False)
    assert set(unsent.values_list("email__status", flat=True)) <= {STATUS.failed}
