"""Real Celery worker processes drain the queue to the local SES endpoint: exactly once, no loss."""

import json
from collections import Counter
from io import StringIO

from django.core.mail import EmailMultiAlternatives, send_mail
from django.core.management import call_command
from post_office.models import STATUS, Email

from mailer.models import Delivery
from tests.support.waiting import wait_until
from tests.support.workers import kill


def all_done(expected: int) -> bool:
    return Email.objects.exclude(status__in=[STATUS.queued, STATUS.requeued]).count() == expected


def test_a_worker_drains_queued_mail_exactly_once(start_worker, ses_sandbox):
    start_worker()
    for i in range(20):
        send_mail(f"plain {i}", f"body {i}", "from@example.com", [f"r{i}@example.com"])
    rich = EmailMultiAlternatives(
        "rich",
        "text",
        "Sender <s@example.com>",
        ["Ann <ann@example.com>"],
        cc=["cc@example.com"],
        bcc=["bcc@example.com"],
    )
    rich.attach_alternative("<b>html</b>", "text/html")
    rich.attach("data.csv", "a,b\n", "text/csv")
    rich.send()

    wait_until(lambda: all_done(21), 60, "the worker did not send all 21 emails")
    received = ses_sandbox.messages()
    assert Counter(m["subject"] for m in received) == Counter(
        [f"plain {i}" for i in range(20)] + ["rich"]
    )
    by_id = {m["message_id"]: m for m in received}
    for delivery in Delivery.objects.select_related("email"):
        assert delivery.state == "sent" and delivery.email.status == STATUS.sent
        message = by_id[delivery.ses_message_id]  # the stored MessageId is SES's
        assert message["destinations"] == delivery.recipients
    rich_received = next(m for m in received if m["subject"] == "rich")
    assert sorted(rich_received["destinations"]) == [  # the mailboxes, as checked
        "ann@example.com",
        "bcc@example.com",
        "cc@example.com",
    ]
    assert 'filename="data.csv"' in rich_received["raw"] and "<b>html</b>" in rich_received["raw"]

    out = StringIO()
    call_command("mailer_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert (status["sent"], status["queued"], status["sending"], status["failed"]) == (21, 0, 0, 0)


def test_two_workers_never_send_the_same_email_twice(start_worker, ses_sandbox):
    for i in range(150):
        send_mail(f"m{i}", "x", "from@example.com", [f"r{i}@example.com"])
    start_worker(concurrency=2, env={"MAILROOM_BATCH_SIZE": "10"})
    start_worker(concurrency=2, env={"MAILROOM_BATCH_SIZE": "10"})
    wait_until(lambda: all_done(150), 90, "two workers did not send all 150 emails")
    subjects = Counter(m["subject"] for m in ses_sandbox.messages())
    assert len(subjects) == 150 and set(subjects.values()) == {1}
    assert len({w.split(":")[0] for w in Delivery.objects.values_list("worker", flat=True)}) >= 1
    assert Delivery.objects.filter(state="sent").count() == 150


def test_ses_errors_end_on_the_row(start_worker, ses_sandbox):
    ses_sandbox.add_fault("RecipientNotVerified", count=1, match="unverified@")
    send_mail("bad", "x", "from@example.com", ["unverified@example.com"])
    send_mail("good", "x", "from@example.com", ["ok@example.com"])
    start_worker()
    wait_until(lambda: all_done(2), 60, "the worker did not finish both emails")
    bad = Delivery.objects.get(email__subject="bad")
    assert bad.email.status == STATUS.failed and bad.state == "failed"
    assert bad.error.startswith("MessageRejected: Email address is not verified")
    assert Delivery.objects.get(email__subject="good").state == "sent"


def test_a_worker_killed_mid_batch_leaves_nothing_lost(start_worker, ses_sandbox):
    for i in range(30):
        send_mail(f"k{i}", "x", "from@example.com", [f"r{i}@example.com"])
    slow = start_worker(
        concurrency=1,
        env={
            "MAILROOM_MAX_SEND_RATE": "4",
            "MAILROOM_BATCH_SIZE": "30",
            "MAILROOM_LEASE_SECONDS": "10",
            # A send starts only with one SES call's bound (1 + 2 s) and 5 s slack left.
            "MAILROOM_SES_CONNECT_TIMEOUT": "1",
            "MAILROOM_SES_READ_TIMEOUT": "2",
        },
    )
    wait_until(
        lambda: len(ses_sandbox.messages()) >= 3, 60, "the first worker never started sending"
    )
    kill(slow)  # SIGKILL: no chance to release its claim
    sent_before = len(ses_sandbox.messages())
    assert sent_before < 30 and Email.objects.filter(status=STATUS.queued).exists()

    start_worker(beat=True, env={"MAILROOM_SWEEP_SECONDS": "1"})
    wait_until(
        lambda: all_done(30), 90, "the emails of the killed worker were not reclaimed and sent"
    )
    subjects = Counter(m["subject"] for m in ses_sandbox.messages())
    assert set(subjects) == {f"k{i}" for i in range(30)}
    duplicated = {s for s, n in subjects.items() if n > 1}
    flagged = set(
        Delivery.objects.filter(possible_duplicate=True).values_list("email__subject", flat=True)
    )
    assert duplicated <= flagged  # a duplicate is never silent
    assert Email.objects.filter(status=STATUS.sent).count() == 30
