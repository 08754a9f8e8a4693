"""post_office's priority "now": sent at once, but suppression-checked and recorded."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from post_office import mail
from post_office.models import PRIORITY, STATUS, Email

from mailer import queue, tasks
from mailer.conf import NOW_WAIT_SECONDS, get_settings
from mailer.models import Delivery, Unsubscribe
from mailer.pacing.limiter import get_state
from mailer.sending.status import queue_counts

pytestmark = pytest.mark.django_db

Reason = Unsubscribe.Reason


@pytest.fixture(autouse=True)
def _services(ses_sandbox, redis_client) -> None:
    """The SES sandbox and a clean limiter for every test here."""


def send_now(**kwargs) -> Email:
    defaults = {"sender": "app@example.com", "subject": "Reset", "message": "Your link"}
    return mail.send(priority="now", **(defaults | kwargs))


def test_suppressed_recipients_are_dropped_and_the_send_is_recorded(ses_sandbox):
    Unsubscribe.objects.create(address="gone@example.com", reason=Reason.HARD_BOUNCE)

    email = send_now(recipients=["Ann <ann@example.com>", "gone@example.com"],
                     bcc=["audit@example.com"])

    email.refresh_from_db()
    (received,) = ses_sandbox.messages()
    assert sorted(received["destinations"]) == ["ann@example.com", "audit@example.com"]
    delivery = Delivery.objects.get(email=email)
    assert email.status == STATUS.sent and delivery.state == "sent"
    assert delivery.ses_message_id == received["message_id"]
    assert delivery.recipients == ["ann@example.com", "audit@example.com"]
    assert delivery.dropped == [{"address": "gone@example.com", "reason": "hard_bounce"}]


def test_all_recipients_suppressed_sends_nothing_and_ends_suppressed(ses_sandbox, capsys):
    Unsubscribe.objects.create(address="gone@example.com", reason=Reason.COMPLAINT)

    email = send_now(recipients=["gone@example.com"])

    email.refresh_from_db()
    delivery = Delivery.objects.get(email=email)
    assert ses_sandbox.messages() == []
    assert email.status == STATUS.failed and delivery.state == "suppressed"
    assert delivery.error == "All recipients suppressed: gone@example.com (complaint)"
    assert "All recipients suppressed" in email.logs.get().message
    call_command("mailer_status", "--json")
    assert '"suppressed": 1' in capsys.readouterr().out


def test_a_rejected_send_fails_with_the_reason(ses_sandbox):
    ses_sandbox.add_fault("RecipientNotVerified")

    email = send_now(recipients=["ann@example.com"])

    email.refresh_from_db()
    delivery = Delivery.objects.get(email=email)
    assert email.status == STATUS.failed and delivery.state == "failed"
    assert "MessageRejected" in delivery.error or "rejected" in delivery.error.lower()


def test_a_transactional_only_suppression_does_not_block_now_mail_from_bulk_rules(ses_sandbox):
    Unsubscribe.objects.create(address="news-only@example.com", reason=Reason.MANUAL,
                               scope=Unsubscribe.Scope.BULK)

    email = send_now(recipients=["news-only@example.com"])

    email.refresh_from_db()
    assert email.status == STATUS.sent
    assert [m["destinations"] for m in ses_sandbox.messages()] == [["news-only@example.com"]]


def test_a_now_email_that_cannot_go_in_time_is_left_queued_for_the_workers(ses_sandbox):
    get_state().pause(60, "SES refused the account: InvalidClientTokenId: test")
    started = time.monotonic()

    email = send_now(recipients=["ann@example.com"])  # returns: nothing raised

    assert time.monotonic() - started < NOW_WAIT_SECONDS + 5  # far from gunicorn's 30 s
    email.refresh_from_db()
    assert email.status == STATUS.queued and ses_sandbox.messages() == []
    assert not email.logs.filter(status=STATUS.failed).exists()
    assert Delivery.objects.get(email=email).state == "queued"
    assert list(queue.due().values_list("id", flat=True)) == [email.id]


def test_a_now_email_meeting_a_5xx_is_handed_to_the_workers_not_failed(ses_sandbox):
    ses_sandbox.add_fault("ServiceUnavailable")

    email = send_now(recipients=["ann@example.com"])

    email.refresh_from_db()
    assert email.status == STATUS.queued
    assert "ServiceUnavailable" in Delivery.objects.get(email=email).error


def test_a_now_email_whose_request_died_is_counted_and_queued_by_the_sweep(settings):
    email = Email.objects.create(from_email="a@example.com", to=["b@example.com"],
                                 priority=PRIORITY.now, status=None)  # fmt: skip
    old = timezone.now() - get_settings().stranded_after - timedelta(seconds=1)
    Email.objects.filter(id=email.id).update(created=old)

    assert queue_counts()["stranded"] == 1
    assert tasks.sweep()["repaired"] == 1
    email.refresh_from_db()
    assert email.status == STATUS.queued
    assert email.logs.get().exception_type == "Stranded"
    assert queue_counts()["stranded"] == 0


def test_a_now_email_being_sent_counts_as_sending_not_stranded():
    Email.objects.create(from_email="a@example.com", to=["b@example.com"],
                         priority=PRIORITY.now, status=None)  # fmt: skip
    counts = queue_counts()
    assert (counts["sending"], counts["stranded"]) == (1, 0)
    assert tasks.sweep()["repaired"] == 0
