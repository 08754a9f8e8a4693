"""post_office's priority "now": sent at once, but suppression-checked and recorded."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from post_office import mail
from post_office.models import STATUS, Email

from mailer.models import Delivery, Unsubscribe

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
    assert sorted(received["destinations"]) == ["Ann <ann@example.com>", "audit@example.com"]
    delivery = Delivery.objects.get(email=email)
    assert email.status == STATUS.sent and delivery.state == "sent"
    assert delivery.ses_message_id == received["message_id"]
    assert delivery.recipients == ["Ann <ann@example.com>", "audit@example.com"]
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
    ses_sandbox.add_fault("MessageRejected")

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
