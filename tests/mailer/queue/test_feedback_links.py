"""Feedback arriving before, during or after its send is recorded ends linked, counted once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bouncy.models import Bounce, Delivery, Event
from mailer import queue
from mailer.campaigns.models import CampaignRecipient
from mailer.lanes import BULK
from mailer.models import Delivery as Sending
from mailer.queue import feedback_links
from mailer.reputation import rates
from tests.support.campaigns import csv_text, run_fanout
from tests.support.feedback import report

MAIL_ID = "0000014a-f4d4-4f8a-9b5c-000000000001"


@pytest.fixture
def recipient(sending) -> CampaignRecipient:
    """One campaign recipient whose Email is queued in the bulk lane."""
    run_fanout(sending(csv_text(1)).id)
    return CampaignRecipient.objects.get()


def record_send(recipient: CampaignRecipient) -> None:
    """What a worker does: claim, mark sending, SES accepts, record the MessageId."""
    claim = queue.claim(BULK, 10, 60, "test-worker")
    assert claim.email_ids == [recipient.email_id]
    queue.mark_sending(claim.email_ids, claim.token)
    sent = queue.Sent(recipient.email_id, MAIL_ID, ["user0@example.com"], [])
    queue.record_sent(claim.token, [sent])


def report_feedback() -> None:
    """A delivery, two opens and a click for MAIL_ID, each its own notification."""
    now = timezone.now()
    report(Delivery(mail_id=MAIL_ID, address="user0@example.com", timestamp=now))
    for at in (now, now + timedelta(seconds=5)):
        report(Event(mail_id=MAIL_ID, event_type="Open", timestamp=at))
    report(Event(mail_id=MAIL_ID, event_type="Click", timestamp=now + timedelta(seconds=9)))


def assert_linked_and_counted_once(recipient: CampaignRecipient) -> None:
    rows = [*Delivery.objects.all(), *Event.objects.all()]
    assert len(rows) == 4 and {row.email_id for row in rows} == {recipient.email_id}
    recipient.refresh_from_db()
    assert recipient.delivered_at is not None
    assert (recipient.opens, recipient.clicks) == (2, 1)
    counts = rates.measure(Sending.objects.all())
    assert (counts.sends, counts.recipients, counts.delivered) == (1, 1, 1)


def link_everything_again() -> None:
    """Every linking path once more: nothing may be linked or counted twice."""
    assert feedback_links.retry_unlinked() == 0
    assert feedback_links.link_recorded([MAIL_ID]) == 0
    assert feedback_links.link_rows([*Delivery.objects.all(), *Event.objects.all()]) == []


def test_feedback_after_the_send_is_recorded_is_linked_as_it_is_stored(recipient):
    record_send(recipient)
    report_feedback()
    assert_linked_and_counted_once(recipient)
    link_everything_again()
    assert_linked_and_counted_once(recipient)


def test_feedback_before_the_send_is_recorded_is_linked_by_the_recorder(recipient):
    report_feedback()
    assert set(Delivery.objects.values_list("email_id", flat=True)) == {None}
    recipient.refresh_from_db()
    assert recipient.delivered_at is None and recipient.opens == 0

    record_send(recipient)
    assert_linked_and_counted_once(recipient)
    link_everything_again()
    assert_linked_and_counted_once(recipient)


def test_a_hard_bounce_before_the_send_is_recorded_marks_the_recipient_bounced(recipient):
    report(
        Bounce(
            mail_id=MAIL_ID,
            address="user0@example.com",
            hard=True,
            bounce_type="Permanent",
            bounce_subtype="General",
            timestamp=timezone.now(),
        )
    )
    record_send(recipient)
    recipient.refresh_from_db()
    assert recipient.state == CampaignRecipient.State.BOUNCED
    assert Bounce.objects.get().email_id == recipient.email_id
    assert rates.measure(Sending.objects.all()).hard_bounces == 1


@pytest.mark.django_db(transaction=True)
def test_feedback_stored_while_the_send_is_recorded_is_linked_by_the_sweep(recipient):
    """The storing transaction and the recorder overlap: neither sees the other's rows."""
    stored, recorded = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def store_in_a_long_transaction() -> None:
        try:
            with transaction.atomic():
                report_feedback()  # looks for the send: not recorded yet
                stored.set()
                assert recorded.wait(30)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=store_in_a_long_transaction)
    thread.start()
    assert stored.wait(30)
    record_send(recipient)  # looks for the feedback: not committed yet
    recorded.set()
    thread.join(30)
    assert not failures
    assert set(Delivery.objects.values_list("email_id", flat=True)) == {None}

    assert feedback_links.retry_unlinked() == 4
    assert_linked_and_counted_once(recipient)
    link_everything_again()
    assert_linked_and_counted_once(recipient)


def test_rows_unlinked_past_the_window_are_counted_and_not_retried(settings, admin_client):
    settings.MAILROOM_FEEDBACK_LINK_MINUTES = 60
    old = timezone.now() - timedelta(minutes=61)
    report(Delivery(mail_id="sent-elsewhere", address="a@example.com", timestamp=old))
    report(Delivery(mail_id="recent", address="b@example.com", timestamp=timezone.now()))
    assert feedback_links.unlinked_count() == 1

    Sending.objects.create(email=_email(), state="sent", ses_message_id="sent-elsewhere")
    assert feedback_links.retry_unlinked() == 0  # outside the window: left alone
    status = _status_json()
    assert status["feedback_unlinked"] == 1

    page = admin_client.get("/admin/bouncy/delivery/", {"email__isempty": "1"})
    assert page.status_code == 200
    assert b"a<wbr>@example.com" in page.content and b"b<wbr>@example.com" in page.content


def _email():
    from post_office.models import Email

    return Email.objects.create(from_email="f@example.com", to=["a@example.com"])


def _status_json() -> dict:
    from io import StringIO

    out = StringIO()
    call_command("mailer_status", "--json", stdout=out)
    return json.loads(out.getvalue())
