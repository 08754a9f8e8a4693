"""The mailbox of end-to-end mail tests: what the SES sandbox received from a real worker.

``running_mailroom`` starts the sandbox and one ``celery -A project worker`` for a whole test
class (a worker per test would cost seconds each); ``Mailroom.mailbox()`` waits until the
worker has drained the queue and returns the raw messages SES received, parsed, in the order
they were queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from pathlib import Path

import redis
from django.conf import settings
from django.db.models import Q
from post_office.models import Email

from mailer.models import Delivery
from mailer.queue import PENDING
from mailer.sandbox import SESSandbox
from tests.support.waiting import wait_until
from tests.support.workers import kill, spawn_worker

DRAIN_TIMEOUT = 90.0


class Mailroom:
    """The sandbox and the worker serving one test class."""

    def __init__(self, sandbox: SESSandbox) -> None:
        self.sandbox = sandbox

    def mailbox(self) -> list[ParsedMessage]:
        """Every message SES accepted since the last flush, parsed, oldest Email first.

        Fails (with the errors) if the worker failed or suppressed any email.
        """
        wait_until(drained, DRAIN_TIMEOUT, "the worker did not drain the queue")
        unsent = Delivery.objects.exclude(state=Delivery.State.SENT).values_list("email", "error")
        assert not unsent, f"emails not sent: {list(unsent)}"
        records = self.sandbox.messages()
        email_of = dict(
            Delivery.objects.filter(
                ses_message_id__in=[r["message_id"] for r in records]
            ).values_list("ses_message_id", "email_id")
        )
        records.sort(key=lambda r: email_of[r["message_id"]])
        return [_parse(r["raw"]) for r in records]

    def flush(self) -> None:
        """Forget what SES received so far."""
        self.sandbox.reset()


def _parse(raw: str) -> ParsedMessage:
    """As a mail store reads a message: native line endings, then as Django's SMTP test
    server parses what it receives (modern policy, trailing line break stripped)."""
    return message_from_bytes(raw.replace("\r\n", "\n").encode().rstrip(), policy=policy.default)


def drained() -> bool:
    """No Email waits to be sent or is being sent (a worker records Delivery and status in
    one transaction)."""
    return not Email.objects.filter(Q(status__in=PENDING) | Q(status__isnull=True)).exists()


@contextmanager
def running_mailroom(log_dir: Path) -> Iterator[Mailroom]:
    """The SES sandbox and one real worker on the test database and the test Redis."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    sandbox = SESSandbox().start()
    env = {"REDIS_URL": settings.REDIS_URL, "AWS_SES_ENDPOINT_URL": sandbox.url}
    worker = spawn_worker(env, log_dir, 0)
    try:
        yield Mailroom(sandbox)
    finally:
        kill(worker)
        worker.log.close()  # type: ignore[attr-defined]
        sandbox.stop()
        client.flushdb()
