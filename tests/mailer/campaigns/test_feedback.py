"""Feedback updates the campaign recipient its SES MessageId belongs to, once per row."""

from __future__ import annotations

from django.utils import timezone

from bouncy.models import Bounce, Complaint, Delivery, Event
from mailer.campaigns.models import CampaignRecipient
from tests.support.campaigns import csv_text, run_fanout, settle_email
from tests.support.feedback import report


def sent_campaign(sending) -> list[CampaignRecipient]:
    campaign = sending(csv_text(3))
    run_fanout(campaign.id)
    rows = list(CampaignRecipient.objects.order_by("id"))
    for i, row in enumerate(rows):
        settle_email(row.email_id, "sent", ses_message_id=f"ses-{i}")
    return rows


def state(row: CampaignRecipient) -> CampaignRecipient:
    row.refresh_from_db()
    return row


def test_hard_bounces_and_complaints_change_state_soft_ones_do_not(sending):
    rows = sent_campaign(sending)
    now = timezone.now()
    report(
        Bounce(
            mail_id="ses-0",
            address="user0@example.com",
            hard=True,
            bounce_type="Permanent",
            bounce_subtype="General",
            diagnostic_code="550",
            timestamp=now,
        ),
    )
    report(
        Bounce(
            mail_id="ses-1",
            address="user1@example.com",
            hard=False,
            bounce_type="Transient",
            bounce_subtype="MailboxFull",
            timestamp=now,
        ),
    )
    report(
        Complaint(
            mail_id="ses-2", address="user2@example.com", complaint_subtype="", timestamp=now
        ),
    )

    assert state(rows[0]).state == "bounced" and rows[0].error == "Bounced (Permanent/General): 550"
    assert state(rows[1]).state == "queued"
    assert state(rows[2]).state == "complained"


def test_a_complaint_from_the_account_suppression_list_is_not_new(sending):
    rows = sent_campaign(sending)
    report(
        Complaint(
            mail_id="ses-0",
            address="a",
            complaint_subtype="OnAccountSuppressionList",
            timestamp=timezone.now(),
        ),
    )
    assert state(rows[0]).state == "queued"


def test_deliveries_opens_and_clicks_are_counted(sending):
    rows = sent_campaign(sending)
    first, later = timezone.now(), timezone.now()
    report(Delivery(mail_id="ses-0", address="x", timestamp=first))
    report(Delivery(mail_id="ses-0", address="x", timestamp=later))
    for when in (first, later):
        report(Event(mail_id="ses-0", event_type="Open", timestamp=when))
    report(Event(mail_id="ses-0", event_type="Click", timestamp=later))
    report(Event(mail_id="ses-0", event_type="Send", timestamp=later))

    row = state(rows[0])
    assert row.delivered_at == first and row.opened_at == first and row.clicked_at == later
    assert (row.opens, row.clicks) == (2, 1)


def test_feedback_for_other_mail_changes_nothing(sending):
    rows = sent_campaign(sending)
    report(
        Bounce(mail_id="not-ours", address="a", hard=True, timestamp=timezone.now()),
    )
    assert {state(r).state for r in rows} == {"queued"}
