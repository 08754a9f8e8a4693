"""End to end with a real worker: suppressed recipients are dropped at send, all-suppressed ends."""

import json
from io import StringIO

from django.core.management import call_command
from post_office import mail
from post_office.models import PRIORITY, STATUS, Email

from mailer.models import Delivery, Unsubscribe
from tests.support.waiting import wait_until


def queue(subject: str, to: list[str], cc: list[str] = (), priority=PRIORITY.medium) -> Email:
    return mail.send(to, "from@example.com", subject=subject, message="hi", cc=list(cc),
                     priority=priority)


def test_a_worker_drops_suppressed_recipients_and_ends_all_suppressed_mail(
    start_worker, ses_sandbox
):
    Unsubscribe.objects.create(address="hard@example.com", reason="hard_bounce", scope="all")
    Unsubscribe.objects.create(address="news@example.com", reason="unsubscribed", scope="bulk")
    mixed = queue("mixed", ["Ann <ann@example.com>", "Hard@Example.com"], cc=["news@example.com"])
    bulk = queue("bulk", ["news@example.com", "Ok <ok@example.com>"], priority=PRIORITY.low)
    gone = queue("gone", ["hard@example.com"])
    unsubscribed = queue("unsubscribed", ["NEWS@example.com"], priority=PRIORITY.low)
    start_worker()
    pending = Email.objects.filter(status__in=[STATUS.queued, STATUS.requeued])
    wait_until(lambda: not pending.exists(), 60, "the worker did not finish the four emails")

    received = {m["subject"]: sorted(m["destinations"]) for m in ses_sandbox.messages()}
    assert received == {"mixed": ["ann@example.com", "news@example.com"],
                        "bulk": ["ok@example.com"]}
    deliveries = {d.email_id: d for d in Delivery.objects.all()}
    assert deliveries[mixed.id].state == "sent"
    assert deliveries[mixed.id].dropped == [
        {"address": "hard@example.com", "reason": "hard_bounce"}]
    assert deliveries[bulk.id].dropped == [
        {"address": "news@example.com", "reason": "unsubscribed"}]
    for email, reason in ((gone, "hard_bounce"), (unsubscribed, "unsubscribed")):
        delivery = deliveries[email.id]
        assert delivery.state == "suppressed" and delivery.ses_message_id is None
        assert reason in delivery.error and delivery.dropped[0]["reason"] == reason

    out = StringIO()
    call_command("mailer_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert (status["sent"], status["suppressed"], status["failed"]) == (2, 2, 0)
