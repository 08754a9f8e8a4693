"""The database queue: send_mail queues a row; claims are exclusive, leased and recoverable."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail, send_mass_mail
from django.utils import timezone
from post_office import mail as post_office_mail
from post_office.models import STATUS, Email, Log

from mailer import queue
from mailer.models import Delivery
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db


def test_send_mail_queues_a_row_and_sends_nothing():
    send_mail("Hello", "Body", "from@example.com", ["to@example.com"])
    email = Email.objects.get()
    assert email.status == STATUS.queued
    assert (email.subject, email.message, email.to) == ("Hello", "Body", ["to@example.com"])
    assert not Delivery.objects.exists()


def test_send_mass_mail_queues_each_message():
    send_mass_mail(
        [
            ("A", "a", "f@example.com", ["a@example.com"]),
            ("B", "b", "f@example.com", ["b@example.com"]),
        ]
    )
    assert sorted(Email.objects.values_list("subject", flat=True)) == ["A", "B"]


def test_email_message_keeps_everything_it_was_given():
    message = EmailMultiAlternatives(
        "Report",
        "text body",
        "Sender <s@example.com>",
        ["Ann <a@example.com>"],
        cc=["c@example.com"],
        bcc=["b@example.com"],
        reply_to=["r@example.com"],
        headers={"X-Tag": "monthly"},
    )
    message.attach_alternative("<p>html body</p>", "text/html")
    message.attach("report.csv", "a,b\n1,2\n", "text/csv")
    message.send()
    email = Email.objects.get()
    assert email.to == ["Ann <a@example.com>"] and email.cc == ["c@example.com"]
    assert email.bcc == ["b@example.com"] and email.html_message == "<p>html body</p>"
    assert email.headers["X-Tag"] == "monthly" and email.headers["Reply-To"] == "r@example.com"
    assert [a.name for a in email.attachments.all()] == ["report.csv"]


def test_a_forwarded_email_message_attachment_is_queued_as_its_mime():
    original = EmailMultiAlternatives("Original", "inner body", "a@example.com", ["b@example.com"])
    message = EmailMultiAlternatives("Fwd", "see attached", "s@example.com", ["t@example.com"])
    message.attach(None, original, "message/rfc822")
    message.send()
    (attachment,) = Email.objects.get().attachments.all()
    stored = attachment.file.read()
    assert (attachment.name, attachment.mimetype) == ("attachment", "message/rfc822")
    assert b"Subject: Original" in stored and b"inner body" in stored


def test_queueing_returns_before_any_send():
    send_mail("Hello", "Body", "from@example.com", ["to@example.com"])
    assert mail.outbox == []  # nothing reached any backend in the request


def queue_emails(count: int, priority: str = "medium") -> list[int]:
    return [
        post_office_mail.send(
            "to@example.com", "from@example.com", subject=f"m{i}", message="x", priority=priority
        ).id
        for i in range(count)
    ]


def expire_leases() -> None:
    """Every lease ran out a second ago (as when its worker died)."""
    Delivery.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def claim_then_lose_the_lease() -> tuple[queue.Claim, queue.Claim]:
    """w1 claims the queued mail and loses its lease; w2 claims it again: (w1's, w2's)."""
    lost = queue.claim("transactional", 10, 300, "w1")
    expire_leases()
    return lost, queue.claim("transactional", 10, 300, "w2")


def test_claim_takes_high_priority_first_and_sets_a_lease():
    low_first = queue_emails(2, "medium")
    high = queue_emails(1, "high")
    claim = queue.claim("transactional", 2, 300, "w1")
    assert claim.email_ids == [high[0], low_first[0]]
    leased = Delivery.objects.get(email_id=high[0])
    assert leased.lease_token == claim.token and leased.attempts == 1
    assert leased.lease_expires_at > timezone.now() + timedelta(seconds=290)


def test_claimed_emails_are_not_claimed_again_until_the_lease_expires():
    ids = queue_emails(3)
    first = queue.claim("transactional", 10, 300, "w1")
    assert sorted(first.email_ids) == ids
    assert not queue.claim("transactional", 10, 300, "w2")
    expire_leases()
    again = queue.claim("transactional", 10, 300, "w2")
    assert sorted(again.email_ids) == ids and again.reclaimed == []


def test_lanes_are_claimed_separately():
    bulk = queue_emails(1, "low")
    transactional = queue_emails(1, "medium")
    assert queue.claim("bulk", 10, 300, "w").email_ids == bulk
    assert queue.claim("transactional", 10, 300, "w").email_ids == transactional


def test_scheduled_and_expired_mail_is_not_claimed():
    ids = queue_emails(2)
    Email.objects.filter(id=ids[0]).update(scheduled_time=timezone.now() + timedelta(minutes=5))
    Email.objects.filter(id=ids[1]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not queue.claim("transactional", 10, 300, "w")
    assert queue.expire_overdue() == 1
    assert Email.objects.get(id=ids[1]).status == STATUS.failed
    assert Delivery.objects.get(email_id=ids[1]).error == "Expired before it could be sent."


def test_worker_dying_mid_send_is_flagged_as_possible_duplicate():
    ids = queue_emails(2)
    claim = queue.claim("transactional", 10, 300, "dead")
    assert queue.mark_sending([ids[0]], claim.token) == [ids[0]]  # SES call started; worker died
    expire_leases()
    again = queue.claim("transactional", 10, 300, "w2")
    assert again.reclaimed == [ids[0]]
    assert list(
        Delivery.objects.filter(possible_duplicate=True).values_list("email_id", flat=True)
    ) == [ids[0]]
    assert Log.objects.get(email_id=ids[0]).exception_type == "LeaseExpired"


def test_lost_lease_cannot_start_a_send():
    [email_id] = queue_emails(1)
    claim, _ = claim_then_lose_the_lease()
    assert queue.mark_sending([email_id], claim.token) == []


def test_record_sent_stores_the_ses_message_id():
    [email_id] = queue_emails(1)
    claim = queue.claim("transactional", 10, 300, "w1")
    queue.record_sent(claim.token, [queue.Sent(email_id, "ses-id-1", ["to@example.com"], [])])
    delivery = Delivery.objects.get(email_id=email_id)
    assert (delivery.state, delivery.ses_message_id, delivery.lease_token) == (
        "sent",
        "ses-id-1",
        None,
    )
    assert delivery.possible_duplicate is False
    assert Email.objects.get(id=email_id).status == STATUS.sent


def test_a_late_outcome_is_kept_beside_and_never_overwrites_the_lease_holders():
    [email_id] = queue_emails(1)
    late, holder = claim_then_lose_the_lease()
    queue.record_sent(holder.token, [queue.Sent(email_id, "ses-2", ["to@example.com"], [])])
    queue.record_sent(late.token, [queue.Sent(email_id, "ses-1", ["to@example.com"], [])])
    delivery = Delivery.objects.get(email_id=email_id)
    assert (delivery.state, delivery.ses_message_id, delivery.other_message_id) == (
        "sent",
        "ses-2",
        "ses-1",
    )
    assert delivery.possible_duplicate is True
    assert Log.objects.filter(email_id=email_id, exception_type="LateOutcome").count() == 1


def test_a_late_outcome_before_the_holder_records_leaves_the_outcome_to_the_holder():
    [email_id] = queue_emails(1)
    late, holder = claim_then_lose_the_lease()
    queue.record_sent(late.token, [queue.Sent(email_id, "ses-1", ["to@example.com"], [])])
    assert Delivery.objects.get(email_id=email_id).lease_token == holder.token
    assert Email.objects.get(id=email_id).status == STATUS.queued
    queue.record_sent(holder.token, [queue.Sent(email_id, "ses-2", ["to@example.com"], [])])
    delivery = Delivery.objects.get(email_id=email_id)
    assert (delivery.ses_message_id, delivery.other_message_id) == ("ses-2", "ses-1")


def test_record_failed_keeps_the_error_on_the_row_and_in_the_log():
    [email_id] = queue_emails(1)
    claim = queue.claim("transactional", 10, 300, "w1")
    queue.record_failed(
        email_id, claim.token, "MessageRejected: Email address is not verified.", "MessageRejected"
    )
    assert Email.objects.get(id=email_id).status == STATUS.failed
    assert Delivery.objects.get(email_id=email_id).error.startswith("MessageRejected")
    assert Log.objects.get(email_id=email_id).exception_type == "MessageRejected"


def test_defer_requeues_later_and_fails_once_transient_errors_outlast_retry_for():
    [email_id] = queue_emails(1)
    claim = queue.claim("transactional", 10, 300, "w1")
    assert queue.defer(email_id, claim.token, "Throttling", queue.Retry(lambda _: 60))
    delivery = Delivery.objects.get(email_id=email_id)
    assert (delivery.throttles, delivery.failures, delivery.state) == (1, 0, "queued")
    assert delivery.retrying_since is None
    assert Email.objects.get(id=email_id).scheduled_time > timezone.now() + timedelta(seconds=50)
    transient = queue.Retry(lambda failures: failures, spend=True, retry_for=timedelta(hours=1))
    Email.objects.filter(id=email_id).update(scheduled_time=None)
    claim = queue.claim("transactional", 10, 300, "w1")
    assert queue.defer(email_id, claim.token, "503 first", transient)
    assert Delivery.objects.get(email_id=email_id).retrying_since is not None
    Delivery.objects.update(retrying_since=timezone.now() - timedelta(hours=1))
    Email.objects.filter(id=email_id).update(scheduled_time=None)
    claim = queue.claim("transactional", 10, 300, "w1")
    assert not queue.defer(email_id, claim.token, "503 last", transient)
    assert Email.objects.get(id=email_id).status == STATUS.failed
    assert "503 last" in Delivery.objects.get(email_id=email_id).error


def test_release_gives_back_unstarted_emails():
    ids = queue_emails(2)
    claim = queue.claim("transactional", 10, 300, "w1")
    assert queue.release(ids, claim.token) == 2
    assert sorted(queue.claim("transactional", 10, 300, "w2").email_ids) == ids


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_share_an_email():
    queue_emails(40)
    results: list[list[int]] = []

    def claim_all() -> None:
        while batch := queue.claim("transactional", 3, 300, threading.current_thread().name):
            results.append(batch.email_ids)

    assert run_in_threads(claim_all, 4) == []
    claimed = [i for batch in results for i in batch]
    assert len(claimed) == 40 and len(set(claimed)) == 40


def test_mail_held_back_after_the_claim_is_not_sent():
    ids = queue_emails(2)
    claim = queue.claim("transactional", 10, 300, "w1")
    Email.objects.filter(id=ids[0]).update(status=None)  # e.g. its campaign was paused
    assert queue.mark_sending(ids, claim.token) == [ids[1]]
