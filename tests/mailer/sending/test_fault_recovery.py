"""Production faults under real worker processes (the Procfile's split: drain workers, and a
beat process that consumes only the control queue), the machine's PostgreSQL, a Redis server
of the test's own when it must restart, and the SES sandbox's fault switches. Every email's
end state is checked: sent (each duplicate flagged), never failed for a fault that says
nothing about the email."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.core.mail import send_mail
from post_office.models import STATUS, Email, Log

from mailer import aws
from mailer.demo.stack import free_port
from mailer.models import Delivery
from mailer.sandbox import SESSandbox
from tests.support.waiting import wait_until
from tests.support.workers import kill

pytestmark = pytest.mark.django_db(transaction=True)

DRAIN_QUEUES = "mailroom,mailroom.transactional,mailroom.bulk"
CONTROL_QUEUE = "mailroom.control"
RATE = 50


class RedisServer:
    """A redis-server of this test's own (never the shared one): stopped and started at will,
    empty each time (no persistence), as Heroku Redis after maintenance."""

    def __init__(self, port: int, log_dir: Path) -> None:
        self.port, self.log_dir, self.proc = port, log_dir, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=(self.log_dir / f"redis-{self.port}.log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        wait_until(lambda: _pings(client), 10, f"redis-server on port {self.port} did not start")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(settings, tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), tmp_path).start()  # not a fixed port: runs may overlap
    settings.REDIS_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def ses_sandbox(settings) -> Iterator[SESSandbox]:
    """SES enforcing (and reporting in GetSendQuota) an account rate of 50 recipients/s."""
    box = SESSandbox(max_send_rate=RATE).start()
    settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = box.url
    aws.reset_client()
    yield box
    box.stop()
    aws.reset_client()


def queue(n: int, prefix: str = "m") -> list[int]:
    for i in range(n):
        send_mail(f"{prefix}{i}", "x", "from@example.com", [f"{prefix}{i}@example.com"])
    return list(Email.objects.order_by("id").values_list("id", flat=True))


def sent() -> int:
    return Email.objects.filter(status=STATUS.sent).count()


def start_dynos(start_worker, env: dict[str, str], drain_workers: int = 2) -> None:
    """Worker dynos draining mail, and the beat dyno consuming only the control queue."""
    for _ in range(drain_workers):
        start_worker(concurrency=2, env=env, queues=DRAIN_QUEUES)
    start_worker(concurrency=1, beat=True, env=env, queues=CONTROL_QUEUE)


def assert_every_email_sent(ses_sandbox: SESSandbox, n: int, max_duplicates: int = 5) -> None:
    """All ``n`` sent, none failed, every duplicate copy flagged."""
    assert Email.objects.filter(status=STATUS.failed).count() == 0
    assert sent() == n
    copies = Counter(m["subject"] for m in ses_sandbox.messages())
    assert len(copies) == n
    duplicated = {subject for subject, count in copies.items() if count > 1}
    flagged = set(
        Delivery.objects.filter(possible_duplicate=True).values_list("email__subject", flat=True)
    )
    assert duplicated <= flagged and len(duplicated) <= max_duplicates


def test_after_a_redis_restart_the_drain_goes_on_at_the_account_rate(
    own_redis, start_worker, ses_sandbox
):
    n = 300
    queue(n)
    # The rate comes from GetSendQuota only: no MAILROOM_MAX_SEND_RATE.
    start_dynos(start_worker, {"MAILROOM_MAX_SEND_RATE": ""})
    wait_until(lambda: sent() >= 50, 90, "the drain did not start")
    own_redis.stop()
    time.sleep(5)
    own_redis.start()  # empty: no rate, no wake-ups, no queued tasks
    # 250 left at 50/s is 5 s; before, the limiter fell back to 1/s (over 4 minutes).
    wait_until(lambda: sent() == n, 30, "the drain did not go on at the account rate")
    assert_every_email_sent(ses_sandbox, n)
    assert ses_sandbox.stats()["throttled"] <= 5


def test_a_fifth_of_sends_failing_with_5xx_still_sends_everything_soon(start_worker, ses_sandbox):
    n = 300
    queue(n)
    ses_sandbox.set_error_ratio(0.2)
    start_dynos(start_worker, {"MAILROOM_MAX_SEND_RATE": str(RATE)})
    # The clock starts at the first send, not while three worker processes boot (slow on a
    # busy machine): 6 s of sending at 50/s; retries back off from about a second (before:
    # 30-120 s).
    wait_until(lambda: sent() > 0, 90, "the drain did not start")
    wait_until(lambda: sent() == n, 40, "mail meeting a 5xx was not retried soon")
    assert_every_email_sent(ses_sandbox, n, max_duplicates=0)
    assert sum(Delivery.objects.values_list("failures", flat=True)) == ses_sandbox.stats()["errors"]


def test_a_password_reset_that_meets_one_5xx_is_sent_within_seconds(start_worker, ses_sandbox):
    start_dynos(start_worker, {"MAILROOM_MAX_SEND_RATE": str(RATE)}, drain_workers=1)
    queue(1, "warm-up")
    wait_until(lambda: sent() == 1, 60, "the worker did not start")
    ses_sandbox.add_fault("ServiceUnavailable", count=1)
    send_mail("reset", "x", "from@example.com", ["reset@example.com"])
    wait_until(lambda: sent() == 2, 10, "the email was not retried within seconds")
    assert Delivery.objects.get(email__subject="reset").failures == 1


def test_credentials_refused_mid_drain_pause_sending_and_fail_nothing(
    start_worker, ses_sandbox, tmp_path
):
    n = 200
    queue(n)
    env = {"MAILROOM_MAX_SEND_RATE": str(RATE), "MAILROOM_ACCOUNT_PROBE_SECONDS": "3"}
    start_dynos(start_worker, env)
    wait_until(lambda: sent() >= 30, 90, "the drain did not start")
    ses_sandbox.refuse_credentials(6)  # a key rotation gone wrong, then put right
    wait_until(lambda: sent() == n, 45, "sending did not resume by itself")
    assert_every_email_sent(ses_sandbox, n, max_duplicates=0)
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("worker*.log"))
    pauses = logs.count("Sending paused: SES refused the account")
    assert 1 <= pauses <= 4  # one line per pause (6 s refused, probed every 3 s), not per email


LEASE_ENV = {
    "MAILROOM_MAX_SEND_RATE": str(RATE),
    "MAILROOM_SEND_THREADS": "1",
    "MAILROOM_LEASE_SECONDS": "15",
    "MAILROOM_SES_CONNECT_TIMEOUT": "1",
    "MAILROOM_SES_READ_TIMEOUT": "5",
    "MAILROOM_SWEEP_SECONDS": "1",
}


def worker_in_a_slow_call(
    start_worker, ses_sandbox: SESSandbox, emails: int, answer_after: float
) -> subprocess.Popen:
    """``emails`` queued and one worker (short leases) whose first send SES takes and answers
    only after ``answer_after`` seconds; returned once that send has reached SES."""
    queue(emails)
    ses_sandbox.slow_answers(answer_after, count=1)
    worker = start_worker(concurrency=1, env=LEASE_ENV, queues=DRAIN_QUEUES)
    wait_until(lambda: len(ses_sandbox.messages()) == 1, 60, "the first send did not start")
    return worker


def test_a_worker_killed_mid_call_is_reclaimed_and_its_email_flagged(start_worker, ses_sandbox):
    doomed = worker_in_a_slow_call(start_worker, ses_sandbox, 5, answer_after=3.0)
    kill(doomed)  # SIGKILL while SES's answer is on its way
    start_dynos(start_worker, LEASE_ENV, drain_workers=1)
    wait_until(lambda: sent() == 5, 60, "the killed worker's emails were not reclaimed")
    assert_every_email_sent(ses_sandbox, 5, max_duplicates=1)
    [first] = [m["subject"] for m in ses_sandbox.messages()[:1]]
    delivery = Delivery.objects.get(email__subject=first)
    assert delivery.possible_duplicate
    assert Log.objects.filter(email_id=delivery.email_id, exception_type="LeaseExpired").exists()


def test_a_frozen_worker_that_answers_late_never_overwrites_the_lease_holders_outcome(
    start_worker, ses_sandbox
):
    frozen = worker_in_a_slow_call(start_worker, ses_sandbox, 3, answer_after=2.0)
    os.killpg(frozen.pid, signal.SIGSTOP)  # a stalled dyno, mid-call
    try:
        start_dynos(start_worker, LEASE_ENV, drain_workers=1)
        wait_until(lambda: sent() == 3, 60, "the frozen worker's emails were not reclaimed")
    finally:
        os.killpg(frozen.pid, signal.SIGCONT)
    first, second = (m["message_id"] for m in ses_sandbox.messages() if m["subject"] == "m0")
    wait_until(
        lambda: Delivery.objects.filter(other_message_id__isnull=False).exists(),
        30,
        "the late outcome was not recorded beside the first",
    )
    delivery = Delivery.objects.get(email__subject="m0")
    assert (delivery.ses_message_id, delivery.other_message_id) == (second, first)
    assert delivery.possible_duplicate and delivery.state == "sent"
    assert Log.objects.filter(email_id=delivery.email_id, exception_type="LateOutcome").exists()
    assert_every_email_sent(ses_sandbox, 3, max_duplicates=1)
