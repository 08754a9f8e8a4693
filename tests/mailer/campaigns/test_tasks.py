"""Real worker processes: a campaign drains in the bulk lane, transactional mail overtakes it,
failed recipients are retried alone, and the beat tick starts scheduled campaigns."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from django.core.mail import send_mail
from django.utils import timezone
from post_office.models import STATUS, Email

from mailer.campaigns import control
from mailer.campaigns.models import Campaign
from mailer.campaigns.progress import progress
from tests.support.campaigns import csv_text
from tests.support.waiting import wait_until


def status(campaign: Campaign) -> str:
    return progress(Campaign.objects.get(pk=campaign.id)).status


def test_a_campaign_drains_through_the_bulk_lane(start_worker, ses_sandbox, make_campaign):
    campaign = make_campaign(csv_text(30), html="<p>Hi {{ first_name }}</p>")
    start_worker(env={"MAILROOM_CAMPAIGN_CHUNK_SIZE": "7"})
    control.send(campaign.id)

    wait_until(lambda: status(campaign) == "done", 60, "the campaign did not finish")

    received = ses_sandbox.messages()
    assert Counter(d for m in received for d in m["destinations"]) == Counter(
        {f"user{i}@example.com": 1 for i in range(30)}
    )
    one = next(m for m in received if m["destinations"] == ["user3@example.com"])
    assert one["subject"] == "Hi User 3"
    assert f'List-Id: "news" <{campaign.list_id}>' in one["raw"]
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in one["raw"]
    report = progress(Campaign.objects.get(pk=campaign.id))
    assert report.counts["sent"] == 30 and report.remaining == 0 and report.eta_seconds is None


def test_transactional_mail_overtakes_a_running_campaign(start_worker, ses_sandbox, make_campaign):
    campaign = make_campaign(csv_text(60))
    start_worker(env={"MAILROOM_MAX_SEND_RATE": "10", "MAILROOM_BATCH_SIZE": "5"})
    control.send(campaign.id)
    wait_until(lambda: len(ses_sandbox.messages()) >= 5, 60, "the campaign never started")

    queued_at = time.time()
    send_mail("password reset", "x", "app@example.com", ["someone@example.org"])
    wait_until(
        lambda: any(m["subject"] == "password reset" for m in ses_sandbox.messages()),
        20,
        "the transactional email was not sent",
    )

    received = ses_sandbox.messages()
    urgent = next(m for m in received if m["subject"] == "password reset")
    campaign_sent = sum(1 for m in received if m["subject"] != "password reset")
    assert urgent["received_at"] - queued_at < 2.0
    assert campaign_sent < 55  # well before the campaign's end (60 at 10/s)
    wait_until(lambda: status(campaign) == "done", 60, "the campaign did not finish")


def test_retry_failed_resends_only_the_failed(start_worker, ses_sandbox, make_campaign):
    rows = csv_text(6) + "".join(f"bad{i}@example.com,Bad {i},{i}\n" for i in range(3))
    campaign = make_campaign(rows)
    ses_sandbox.add_fault("MessageRejected", count=3, match="bad")
    start_worker()
    control.send(campaign.id)
    wait_until(lambda: status(campaign) == "done", 60, "the first pass did not finish")
    report = progress(Campaign.objects.get(pk=campaign.id))
    assert (report.counts["sent"], report.counts["failed"]) == (6, 3)
    first_pass = len(ses_sandbox.messages())

    assert control.retry_failed(campaign.id) == 3
    wait_until(lambda: status(campaign) == "done", 60, "the retry did not finish")

    retried = ses_sandbox.messages()[first_pass:]
    assert sorted(d for m in retried for d in m["destinations"]) == [
        f"bad{i}@example.com" for i in range(3)
    ]
    assert progress(Campaign.objects.get(pk=campaign.id)).counts["sent"] == 9
    assert Email.objects.filter(status=STATUS.failed).count() == 3  # the first attempts


def test_the_beat_tick_starts_a_scheduled_campaign(start_worker, ses_sandbox, make_campaign):
    campaign = make_campaign(csv_text(3))
    Campaign.objects.filter(pk=campaign.id).update(
        scheduled_at=timezone.now() + timedelta(seconds=2)
    )
    control.send(campaign.id)
    assert Campaign.objects.get(pk=campaign.id).status == "scheduled"

    start_worker(beat=True, env={"MAILROOM_CAMPAIGN_TICK_SECONDS": "1"})

    wait_until(
        lambda: Campaign.objects.get(pk=campaign.id).status == "done",
        60,
        "the tick did not start and finish the campaign",
    )
    assert len(ses_sandbox.messages()) == 3
