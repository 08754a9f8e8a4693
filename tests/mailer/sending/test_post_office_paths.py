"""post_office's own send and cleanup paths take Mailroom's road (or leave pending mail alone)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import post_office.mail
import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import timezone
from post_office import mail
from post_office.models import PRIORITY, STATUS, Email

from mailer.models import Delivery, Unsubscribe
from mailer.reputation import actions
from mailer.reputation.rates import Counts

pytestmark = [
    pytest.mark.django_db(transaction=True),  # sender threads use their own connections
    pytest.mark.usefixtures("close_sender_connections"),
]


def queue(subject: str, to: list[str], priority=PRIORITY.medium) -> Email:
    return mail.send(to, "from@example.com", subject=subject, message="hi", priority=priority)


def received(sandbox) -> dict[str, list[str]]:
    return {m["subject"]: sorted(m["destinations"]) for m in sandbox.messages()}


def test_send_queued_mail_runs_mailroom_s_path(ses_sandbox, redis_client):
    Unsubscribe.objects.create(address="news@example.com", reason="unsubscribed", scope="bulk")
    bulk = queue("bulk", ["news@example.com", "ok@example.com"], priority=PRIORITY.low)
    reset = queue("reset", ["news@example.com"])

    call_command("send_queued_mail", stdout=StringIO())

    assert received(ses_sandbox) == {"bulk": ["ok@example.com"], "reset": ["news@example.com"]}
    deliveries = {d.email_id: d for d in Delivery.objects.all()}
    assert deliveries[bulk.id].dropped == [
        {"address": "news@example.com", "reason": "unsubscribed"}
    ]
    for email in (bulk, reset):
        delivery = deliveries[email.id]
        assert delivery.state == "sent" and delivery.ses_message_id  # bounces can be linked
        assert delivery.attempts == 1 and delivery.lease_token is None  # claimed under a lease
        assert Email.objects.get(pk=email.id).status == STATUS.sent


def test_send_queued_leaves_held_bulk_mail_for_the_guard(ses_sandbox, redis_client):
    actions.hold("bounce rate too high", Counts(100, 100, 90, 10, 0, 0))
    bulk = queue("bulk", ["a@example.com"], priority=PRIORITY.low)
    queue("reset", ["b@example.com"])

    assert post_office.mail.send_queued() == (1, 0, 0)

    assert received(ses_sandbox) == {"reset": ["b@example.com"]}
    assert Email.objects.get(pk=bulk.id).status == STATUS.queued


def test_cleanup_mail_deletes_only_finished_mail():
    emails = {
        name: queue(name, ["a@example.com"])
        for name in ("queued", "held", "leased", "sent", "failed")
    }
    Email.objects.filter(pk=emails["held"].pk).update(status=None)
    Email.objects.filter(pk=emails["sent"].pk).update(status=STATUS.sent)
    Email.objects.filter(pk=emails["failed"].pk).update(status=STATUS.failed)
    Delivery.objects.create(
        email=emails["leased"],
        state="sending",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )
    Email.objects.update(created=timezone.now() - timedelta(days=100))
    out = StringIO()

    call_command("cleanup_mail", "--days", "90", stdout=out)

    assert sorted(Email.objects.values_list("subject", flat=True)) == ["held", "leased", "queued"]
    assert out.getvalue().startswith("Deleted 2 mails")


def test_post_office_s_celery_task_may_not_be_turned_on(settings):
    settings.POST_OFFICE = {**settings.POST_OFFICE, "CELERY_ENABLED": True}
    assert "mailer.E030" in [error.id for error in run_checks()]


def test_restore_puts_post_office_s_loop_back_for_the_benchmark():
    from mailer.sending import post_office_paths

    assert post_office.mail.send_queued is post_office_paths.send_queued
    post_office_paths.restore()
    try:
        assert post_office.mail.send_queued is post_office_paths._ORIGINAL["send_queued"]
    finally:
        post_office_paths.install()
    assert post_office.mail.send_queued is post_office_paths.send_queued
