"""End to end on the real services: the answer goes out through the queue, a worker and SES
(the sandbox), and two Mailroom reply addresses answering each other stop after one message."""

from __future__ import annotations

import pytest

from mailer.replies.models import Reply
from tests.support.waiting import wait_until
from tests.support.workers import kill

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_mailroom_addresses_answering_each_other_stop_after_one_message(
    inbox, message, start_worker, settings
):
    worker = start_worker(concurrency=1, env={"MAILROOM_REPLY_ADDRESSES": "no-reply@example.com"})
    sandbox = inbox.sandbox
    # Mailroom A answers a message from robot@b.example (Mailroom B's no-reply address).
    inbox.deliver(message(sender="Shop B <robot@b.example>", subject="Your invoice"))
    wait_until(lambda: sandbox.messages(), 60, "Mailroom A's answer was not sent")
    [answer] = sandbox.messages()
    raw = answer["raw"].encode()
    assert b"Auto-Submitted: auto-replied" in raw and b"In-Reply-To: <" in raw
    assert answer["destinations"] == ["robot@b.example"]
    assert answer["subject"] == "Auto: Your invoice"
    # The answer reaches Mailroom B, whose reply address is robot@b.example: no answer back.
    kill(worker)  # A's worker has A's settings; B's batch runs here, with B's
    settings.MAILROOM_REPLY_ADDRESSES = ["robot@b.example"]
    inbox.deliver(raw, sender=answer["source"], recipients=["robot@b.example"])
    b_reply = Reply.objects.get(address="robot@b.example")
    assert b_reply.outcome == Reply.Outcome.AUTOMATIC and b_reply.answer is None
    assert len(sandbox.messages()) == 1
