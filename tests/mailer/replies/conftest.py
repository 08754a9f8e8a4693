"""Fixtures for replies: the SES sandbox receives mail and signs its ``Received`` notification,
which is POSTed to the real webhook (Django's test client) as SNS would."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.core.cache import cache

from bouncy import sns
from tests.support.feedback import apply_stored

REPLY_ADDRESS = "no-reply@example.com"


@pytest.fixture
def inbox(settings: Any, ses_sandbox: Any, client: Any) -> Any:
    """Deliver raw mail through the sandbox to /mail/bouncy/; MAILROOM_REPLY_ADDRESSES set."""
    settings.DEBUG = True
    settings.BOUNCY_TOPIC_ARN = [ses_sandbox.topic_arn]
    settings.BOUNCY_DEV_CERT_HOSTS = [ses_sandbox.cert_host]
    settings.MAILROOM_REPLY_ADDRESSES = [REPLY_ADDRESS]
    settings.MAILROOM_REPLIES_FORWARD_TO = None
    cache.clear()
    sns.forget_certificates()

    class Inbox:
        sandbox = ses_sandbox

        def deliver(self, raw: bytes, **envelope: Any) -> Any:
            published = ses_sandbox.receive(raw, **envelope)
            body = ses_sandbox.feedback.log.get(published["sns_message_id"]).body
            response = client.post("/mail/bouncy/", data=body, content_type="text/plain")
            assert response.status_code == 200, response.content
            apply_stored()
            return response

        def post_again(self) -> Any:
            """POST the last published notification again (SNS delivers at least once)."""
            entry = ses_sandbox.notifications()[-1]
            body = ses_sandbox.feedback.log.get(entry["sns_message_id"]).body
            response = client.post("/mail/bouncy/", data=body, content_type="text/plain")
            apply_stored()
            return response

    return Inbox()


@pytest.fixture
def message() -> Callable[..., bytes]:
    """A reply as a person's mail program writes it; keyword arguments set or drop headers."""

    def build(
        sender: str = "Jane Doe <jane@people.example>",
        to: str = REPLY_ADDRESS,
        subject: str = "Re: Your order has shipped",
        text: str = "Where is my parcel?",
        **headers: str | None,
    ) -> bytes:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = sender, to, subject
        mail["Message-ID"] = make_msgid(domain="people.example")
        mail["Date"] = "Wed, 02 Dec 2026 07:00:00 +0000"
        for name, value in headers.items():
            del mail[name.replace("_", "-")]
            if value is not None:
                mail[name.replace("_", "-")] = value
        mail.set_content(text)
        return bytes(mail)

    return build
