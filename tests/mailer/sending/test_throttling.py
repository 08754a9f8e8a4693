"""SES throttle, daily-quota, transient and permanent answers from a real HTTP endpoint: the
email always ends sent, failed with its reason, or queued again; never lost."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from botocore.config import Config as BotoConfig
from django.utils import timezone
from post_office import mail as post_office_mail
from post_office.models import STATUS, Email, Log

from mailer import aws, queue, tasks
from mailer.models import Delivery
from mailer.pacing import quota
from mailer.pacing.limiter import COOLING_KEY, get_limiter, get_state
from mailer.sandbox import SESSandbox
from mailer.sending import batch
from mailer.sending.status import queue_counts
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # sender threads use their own connections


@pytest.fixture
def ses_sandbox(request, settings, redis_client) -> Iterator[SESSandbox]:
    """The sandbox with the limits given by ``indirect`` parametrisation; SES pointed at it."""
    box = SESSandbox(**getattr(request, "param", {})).start()
    settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = box.url
    settings.MAILROOM_MAX_SEND_RATE = 1000.0
    aws.reset_client()
    yield box
    box.stop()
    aws.reset_client()


@pytest.fixture(autouse=True)
def _close_sender_connections(close_sender_connections) -> None:
    """Every test here sends from the sender threads."""


def limits(**values) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("ses_sandbox", [values], indirect=True)


def queue_mail(*recipient_lists: list[str]) -> list[int]:
    return [
        post_office_mail.send(to, "from@example.com", subject=f"m{i}", message="x").id
        for i, to in enumerate(recipient_lists)
    ]


def send_claimed(lease_seconds: int = 300) -> batch.BatchResult:
    return batch.send_batch(queue.claim("transactional", 100, lease_seconds, "test"))


def make_due() -> None:
    Email.objects.filter(status=STATUS.queued).update(scheduled_time=None)


def assert_nothing_lost(ids: list[int]) -> dict[str, int]:
    """Each email is sent (with SES's id), failed (with a reason) or queued and claimable."""
    ends = {"sent": 0, "failed": 0, "queued": 0}
    for email in Email.objects.filter(id__in=ids).select_related("delivery"):
        delivery = email.delivery
        if email.status == STATUS.sent:
            assert delivery.ses_message_id, email.id
        elif email.status == STATUS.failed:
            assert delivery.error and Log.objects.filter(email=email).exists(), email.id
        else:
            assert email.status in queue.PENDING and delivery.lease_token is None, email.id
        ends[{STATUS.sent: "sent", STATUS.failed: "failed"}.get(email.status, "queued")] += 1
    assert sum(ends.values()) == len(ids)
    return ends


def test_throttle_requeues_without_spending_a_retry(ses_sandbox, redis_client):
    ses_sandbox.add_fault("Throttling", count=1, match="slow@")
    slow, fine = queue_mail(["slow@example.com"], ["fine@example.com"])
    result = send_claimed()
    assert (result.sent, result.deferred) == (1, 1)
    email = Email.objects.select_related("delivery").get(id=slow)
    assert email.status == STATUS.queued and email.scheduled_time > timezone.now()
    assert (email.delivery.throttles, email.delivery.failures) == (1, 0)
    assert email.delivery.error.startswith("Throttling: Maximum sending rate exceeded")
    assert ses_sandbox.stats()["throttled"] == 1 and quota.snapshot()["ses_throttled"] == 1
    assert redis_client.exists(COOLING_KEY)  # every worker slows down
    make_due()
    assert send_claimed().sent == 1
    assert assert_nothing_lost([slow, fine]) == {"sent": 2, "failed": 0, "queued": 0}


@limits(max_send_rate=5)
def test_rate_enforced_by_the_endpoint_loses_nothing(ses_sandbox, settings):
    ids = queue_mail(*[[f"r{i}@example.com"] for i in range(20)])
    first = send_claimed()  # pacing at 1000/s against an endpoint taking 5/s
    assert first.deferred > 0 and ses_sandbox.stats()["throttled"] == first.deferred
    assert assert_nothing_lost(ids)["queued"] == first.deferred
    settings.MAILROOM_MAX_SEND_RATE = None
    assert quota.refresh() == 5
    make_due()
    time.sleep(1.1)  # the endpoint's one-second bucket, emptied by the burst above, refills
    throttled = ses_sandbox.stats()["throttled"]
    assert send_claimed().sent == first.deferred
    assert ses_sandbox.stats()["throttled"] == throttled  # at SES's own rate: no new throttle
    assert assert_nothing_lost(ids)["sent"] == 20


def test_a_first_transient_error_is_retried_within_a_second(ses_sandbox):
    ses_sandbox.add_fault("ServiceUnavailable", count=1)
    [email_id] = queue_mail(["a@example.com"])
    assert send_claimed().deferred == 1
    email = Email.objects.select_related("delivery").get(id=email_id)
    assert email.scheduled_time <= timezone.now() + timedelta(seconds=1)
    assert (email.delivery.failures, email.delivery.throttles) == (1, 0)
    assert email.delivery.retrying_since is not None
    assert quota.snapshot()["ses_transient"] == 1
    assert_nothing_lost([email_id])


def test_connection_error_requeues(ses_sandbox, settings):
    settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = "http://127.0.0.1:1"
    aws.reset_client()
    [email_id] = queue_mail(["a@example.com"])
    assert send_claimed().deferred == 1
    assert Delivery.objects.get(email_id=email_id).error.startswith("Cannot reach SES")
    assert assert_nothing_lost([email_id])["queued"] == 1


def test_permanent_error_fails_at_once_with_the_reason(ses_sandbox):
    ses_sandbox.add_fault("RecipientNotVerified", count=1, match="bad@")
    bad, good = queue_mail(["bad@example.com"], ["good@example.com"])
    result = send_claimed()
    assert (result.sent, result.failed) == (1, 1)
    delivery = Delivery.objects.get(email_id=bad)
    assert delivery.state == "failed" and delivery.error.startswith("MessageRejected:")
    assert Log.objects.get(email_id=bad).exception_type == "MessageRejected"
    assert quota.snapshot()["ses_rejected"] == 1
    assert assert_nothing_lost([bad, good]) == {"sent": 1, "failed": 1, "queued": 0}


@limits(max_24h_send=3)
def test_daily_quota_pauses_sending_and_loses_nothing(ses_sandbox, settings):
    settings.MAILROOM_QUOTA_PAUSE_SECONDS = 60
    ids = queue_mail(*[[f"r{i}@example.com"] for i in range(6)])
    result = send_claimed()
    assert result.sent == 3 and result.paused >= 1 and result.paused + result.released == 3
    paused = quota.current_pause()
    assert paused is not None and "Daily message quota exceeded" in paused.reason
    later = timezone.now() + timedelta(seconds=50)
    assert Email.objects.filter(id__in=ids, scheduled_time__gt=later).count() == result.paused
    status = queue_counts()
    assert status["paused"] == 1 and "quota" in status["pause_reason"]
    assert status["pause_kind"] == "daily_quota"
    assert status["ses_daily_quota"] == result.paused
    assert tasks.drain("transactional") == {"paused": True}  # the drain claims nothing
    assert assert_nothing_lost(ids) == {"sent": 3, "failed": 0, "queued": 3}

    ses_sandbox.reset()  # the rolling 24 hours moved on
    quota.refresh()  # shows room: the pause ends before its time
    assert quota.current_pause() is None
    make_due()
    assert send_claimed().sent == 3
    assert assert_nothing_lost(ids)["sent"] == 6


def test_claims_are_released_before_the_lease_runs_out(ses_sandbox, settings):
    settings.MAILROOM_MAX_SEND_RATE = 4.0
    settings.AWS_SES_CONFIG = BotoConfig(connect_timeout=1, read_timeout=1,
                                         retries={"total_max_attempts": 1})  # fmt: skip
    aws.reset_client()
    ids = queue_mail(*[[f"r{i}@example.com"] for i in range(30)])
    # deadline: 3 s after the claim (10 s lease, less one SES call's 2 s bound and 5 s slack)
    claim = queue.claim("transactional", 100, 10, "test")
    result = batch.send_batch(claim)
    assert result.sent + result.released == 30
    assert 8 <= result.sent <= 16 and result.released >= 14
    sent_at = Delivery.objects.filter(state="sent").values_list("sent_at", flat=True)
    assert max(sent_at) < claim.expires_at
    assert assert_nothing_lost(ids)["queued"] == result.released
    assert quota.snapshot()["ses_released"] == result.released


def test_limiter_down_gives_emails_back(ses_sandbox, settings, monkeypatch):
    monkeypatch.setattr(batch, "LIMITER_OUTAGE_WAIT_SECONDS", 0.5)
    ids = queue_mail(["a@example.com"], ["b@example.com"])
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert send_claimed().released == 2
    assert assert_nothing_lost(ids)["queued"] == 2


@limits(max_send_rate=20)
def test_workers_pace_at_ses_rate_without_a_throttle(start_worker, ses_sandbox):
    ids = queue_mail(*[[f"a{i}@example.com"] + [f"b{i}@example.com", f"c{i}@example.com"] * (i % 2)
                       for i in range(40)])  # 1 and 3 recipients: 80 in all, 4 s at 20/s
    for _ in range(2):
        start_worker(concurrency=1, env={"MAILROOM_MAX_SEND_RATE": "", "MAILROOM_BATCH_SIZE": "10"})
    wait_until(lambda: Email.objects.filter(status=STATUS.sent).count() == 40, 90, "all 40 sent")
    stats = ses_sandbox.stats()
    assert stats["throttled"] == 0 and stats["accepted_recipients"] == 80
    # Even pacing: at most R plus one message, plus what late wake-ups bunch together on a
    # busy 2-core machine (a process's first send also builds its boto3 client).
    assert stats["max_recipients_in_any_1s_window"] <= 20 * 1.3 + 3
    assert_nothing_lost(ids)


@limits(max_24h_send=4)
def test_workers_pause_on_the_daily_quota_and_resume_by_themselves(start_worker, ses_sandbox):
    ids = queue_mail(*[[f"r{i}@example.com"] for i in range(8)])
    start_worker(concurrency=1, beat=True, env={
        "MAILROOM_QUOTA_PAUSE_SECONDS": "3", "MAILROOM_SWEEP_SECONDS": "1",
        "MAILROOM_QUOTA_REFRESH_SECONDS": "3600",
    })
    wait_until(lambda: get_state().pause_state() is not None, 60, "sending paused")
    wait_until(lambda: Email.objects.filter(status=STATUS.sent).count() == 4, 10, "4 sent")
    ses_sandbox.reset()  # a day later, for the sandbox
    wait_until(lambda: Email.objects.filter(status=STATUS.sent).count() == 8, 60,
               "sending resumed by itself after the pause")
    assert assert_nothing_lost(ids)["sent"] == 8
    assert get_limiter().rate() is not None


def test_refused_credentials_pause_everyone_fail_nothing_and_log_once(
    ses_sandbox, settings, caplog
):
    settings.MAILROOM_ACCOUNT_PROBE_SECONDS = 1.5
    ids = queue_mail(*[[f"r{i}@example.com"] for i in range(6)])
    ses_sandbox.refuse_credentials(5.0)  # long enough for a slow machine to start sending
    with caplog.at_level(logging.ERROR, logger="mailer.quota"):
        result = send_claimed()
    assert result.failed == 0 and result.paused >= 1
    assert result.paused + result.released == 6
    status = queue_counts()
    assert status["pause_kind"] == "account" and "InvalidClientTokenId" in status["pause_reason"]
    assert status["ses_account"] == result.paused
    assert [r.levelname for r in caplog.records].count("ERROR") == 1  # per pause, not per email
    delivery = Delivery.objects.filter(email_id__in=ids, state="queued").first()
    assert (delivery.failures, delivery.throttles) == (0, 1)  # nothing spent toward failing
    assert tasks.drain("transactional") == {"paused": True}
    assert assert_nothing_lost(ids) == {"sent": 0, "failed": 0, "queued": 6}

    wait_until(lambda: quota.current_pause() is None, 10, "the pause to end by itself")
    wait_until(lambda: not ses_sandbox.state.switches.refusing(), 10, "the keys to work again")
    make_due()
    assert send_claimed().sent == 6  # the keys work again: sending resumed without anyone
    assert assert_nothing_lost(ids)["sent"] == 6


def test_an_unverified_sender_pauses_but_a_refused_recipient_fails_its_email_only(ses_sandbox):
    ses_sandbox.add_fault("MessageRejected", count=1, match="first@")  # names the sender
    ses_sandbox.add_fault("RecipientNotVerified", count=1, match="second@")
    first, second = queue_mail(["first@example.com"], ["second@example.com"])
    assert send_claimed().paused == 1
    assert quota.current_pause() is not None
    get_state().resume()
    make_due()
    assert send_claimed().sent == 1
    assert Email.objects.get(id=first).status == STATUS.sent
    send_claimed()
    assert Email.objects.get(id=second).status == STATUS.failed
    assert "second@example.com" in Delivery.objects.get(email_id=second).error


def test_an_answer_that_never_came_is_retried_and_flagged(ses_sandbox, settings):
    settings.AWS_SES_CONFIG = BotoConfig(
        connect_timeout=1, read_timeout=0.5, retries={"total_max_attempts": 1}
    )
    aws.reset_client()
    ses_sandbox.slow_answers(1.5, count=1)
    [email_id] = queue_mail(["a@example.com"])
    assert send_claimed().deferred == 1
    delivery = Delivery.objects.get(email_id=email_id)
    assert delivery.possible_duplicate and delivery.failures == 1
    assert Log.objects.filter(email_id=email_id, exception_type="AmbiguousOutcome").exists()
    make_due()
    assert send_claimed().sent == 1
    assert len(ses_sandbox.messages()) == 2  # the copy SES took silently, and the retry
    assert Delivery.objects.get(email_id=email_id).possible_duplicate


def test_transient_errors_fail_the_email_with_its_last_error_after_retry_for(
    ses_sandbox, settings
):
    settings.MAILROOM_RETRY_FOR = timedelta(hours=24)
    ses_sandbox.set_error_ratio(1.0, "InternalFailure")
    [email_id] = queue_mail(["a@example.com"])
    assert send_claimed().deferred == 1
    Delivery.objects.update(retrying_since=timezone.now() - timedelta(hours=24, seconds=1))
    make_due()
    assert send_claimed().failed == 1
    delivery = Delivery.objects.get(email_id=email_id)
    assert delivery.state == "failed" and "InternalFailure" in delivery.error
    assert Log.objects.get(email_id=email_id).exception_type == "RetriesExhausted"
