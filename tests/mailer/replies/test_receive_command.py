"""``ses_sandbox_receive``: a running sandbox receives a message and POSTs SES's signed
``Received`` notification to the webhook (a live server), which stores and answers it."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from bouncy import sns
from bouncy.models import ReceivedMessage
from mailer.replies.models import Reply
from mailer.sandbox import SESSandbox
from tests.support.feedback import apply_stored

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(live_server, settings):
    box = SESSandbox(feedback_url=f"{live_server.url}/mail/bouncy/").start()
    settings.DEBUG = True
    settings.BOUNCY_TOPIC_ARN = [box.topic_arn]
    settings.BOUNCY_DEV_CERT_HOSTS = [box.cert_host]
    settings.MAILROOM_REPLY_ADDRESSES = ["no-reply@example.com"]
    cache.clear()
    sns.forget_certificates()
    yield box
    box.stop()


def test_the_command_delivers_a_file_through_the_sandbox_to_the_webhook(sandbox, message, tmp_path):
    eml = tmp_path / "reply.eml"
    eml.write_bytes(message(text="Hello from a file"))
    out = io.StringIO()
    call_command("ses_sandbox_receive", str(eml), "--sandbox", sandbox.url, "--dkim", "FAIL",
                 stdout=out)  # fmt: skip
    assert out.getvalue().startswith("received as SES message ")
    assert sandbox.wait_for_feedback(20)
    assert [n["outcome"] for n in sandbox.notifications()] == ["delivered"]
    apply_stored()
    received = ReceivedMessage.objects.get()
    assert received.text == "Hello from a file\n" and received.dkim_verdict == "FAIL"
    assert Reply.objects.get().outcome == Reply.Outcome.ANSWERED


def test_the_command_says_what_is_wrong(sandbox, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("ses_sandbox_receive", str(tmp_path / "missing.eml"), "--sandbox", sandbox.url)
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"Subject: no recipient\r\n\r\nhi\r\n")
    with pytest.raises(
        CommandError, match="the sandbox refused the message: bad inbound message: no recipient"
    ):
        call_command("ses_sandbox_receive", str(empty), "--sandbox", sandbox.url)
