"""SES ``Received`` notifications: verified like any other, parsed, stored once, signalled once."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage

import pytest

from bouncy import inbound, processing
from bouncy.models import Event, Notification, ReceivedMessage
from bouncy.signals import received
from tests.support.sns import OTHER_TOPIC

pytestmark = pytest.mark.django_db


def raw_mail(text: str = "Thanks, but where is it?") -> bytes:
    mail = EmailMessage()
    mail["From"] = "=?utf-8?q?Jos=C3=A9?= <jose@people.example>"
    mail["To"] = "no-reply@example.com"
    mail["Subject"] = "Re: Shipped"
    mail["Message-ID"] = "<reply-1@people.example>"
    mail["In-Reply-To"] = "<sent-1@example.com>"
    mail["References"] = "<first@example.com> <sent-1@example.com>"
    mail["Date"] = "Wed, 02 Dec 2026 07:00:00 +0000"
    mail.set_content(text)
    mail.add_alternative(f"<p>{text}</p>", subtype="html")
    return bytes(mail)


def received_doc(raw: bytes | None, encoding: str = "BASE64", **action: str) -> dict:
    """The shape SES documents for a Received notification (SNS action unless ``action``)."""
    doc = {
        "notificationType": "Received",
        "receipt": {
            "timestamp": "2026-12-02T07:00:01.000Z", "processingTimeMillis": 222,
            "recipients": ["no-reply@example.com"],
            "spamVerdict": {"status": "PASS"}, "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "GRAY"}, "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": "FAIL"}, "dmarcPolicy": "reject",
            "action": action or {"type": "SNS", "topicArn": "arn:x", "encoding": encoding},
        },
        "mail": {
            "timestamp": "2026-12-02T07:00:00.500Z", "source": "jose@people.example",
            "messageId": "d6iitobk75ur44p8kdnnp7g2n800", "destination": ["no-reply@example.com"],
            "headersTruncated": False,
            "headers": [{"name": "From", "value": "José <jose@people.example>"},
                        {"name": "Subject", "value": "Re: Shipped"},
                        {"name": "Message-ID", "value": "<reply-1@people.example>"},
                        {"name": "Auto-Submitted", "value": "auto-replied"}],
        },
    }  # fmt: skip
    if raw is not None:
        text = base64.b64encode(raw).decode() if encoding == "BASE64" else raw.decode()
        doc["content"] = text
    return doc


@pytest.fixture
def post(post):
    """POST, then make the rows as the batch task would."""

    def _post(payload):
        response = post(payload)
        processing.process_pending(100)
        return response

    return _post


@pytest.mark.parametrize("encoding", ["BASE64", "UTF8"])
def test_inline_content_is_parsed_from_either_encoding(publisher, post, encoding):
    raw = raw_mail()
    assert post(publisher.notification(received_doc(raw, encoding))).status_code == 200
    row = ReceivedMessage.objects.get()
    assert bytes(row.raw) == raw and row.size == len(raw)
    assert row.from_header == "José <jose@people.example>"
    assert row.from_address == "jose@people.example" and row.return_path == "jose@people.example"
    assert (row.subject, row.message_id) == ("Re: Shipped", "<reply-1@people.example>")
    assert row.in_reply_to == "<sent-1@example.com>"
    assert row.references == ["<first@example.com>", "<sent-1@example.com>"]
    assert row.text == "Thanks, but where is it?\n"
    assert row.date.isoformat() == "2026-12-02T07:00:00+00:00"
    verdicts = (
        row.spam_verdict,
        row.virus_verdict,
        row.spf_verdict,
        row.dkim_verdict,
        row.dmarc_verdict,
        row.dmarc_policy,
    )
    assert verdicts == ("PASS", "PASS", "GRAY", "PASS", "FAIL", "reject")
    assert row.notification.kind == "Received"
    assert not Event.objects.exists()  # a received message is not an "other event"


def test_an_s3_action_keeps_the_message_in_s3_and_reads_the_listed_headers(publisher, post):
    doc = received_doc(
        None,
        type="S3",
        topicArn="arn:x",
        bucketName="inbound",
        objectKey="mail/d6iitobk75ur44p8kdnnp7g2n800",
    )
    assert post(publisher.notification(doc)).status_code == 200
    row = ReceivedMessage.objects.get()
    assert row.raw is None and row.size is None and row.text == ""
    assert row.action == {
        "type": "S3",
        "topicArn": "arn:x",
        "bucketName": "inbound",
        "objectKey": "mail/d6iitobk75ur44p8kdnnp7g2n800",
    }
    assert row.header_values("auto-submitted") == ["auto-replied"]
    assert row.from_address == "jose@people.example"


def test_bad_base64_content_is_stored_with_the_reason(publisher, post):
    doc = received_doc(raw_mail())
    doc["content"] = "not base64!"
    assert post(publisher.notification(doc)).status_code == 200
    row = ReceivedMessage.objects.get()
    assert row.raw is None and row.content_error == "content is not valid base64"
    assert row.subject == "Re: Shipped"  # from mail.headers


def test_the_same_ses_message_from_two_sns_messages_is_stored_and_signalled_once(publisher, post):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.mail_id)

    received.connect(receiver, dispatch_uid="test-received")
    try:
        doc = received_doc(raw_mail())
        assert post(publisher.notification(doc)).status_code == 200
        assert post(publisher.notification(doc)).content == b"stored\n"
    finally:
        received.disconnect(dispatch_uid="test-received")
    assert Notification.objects.count() == 2
    assert ReceivedMessage.objects.count() == 1
    assert seen == ["d6iitobk75ur44p8kdnnp7g2n800"]


def test_received_mail_on_another_topic_is_refused(publisher, post):
    envelope = publisher.notification(received_doc(raw_mail()), TopicArn=OTHER_TOPIC)
    assert post(envelope).status_code == 403
    assert not ReceivedMessage.objects.exists()


def test_an_undecodable_header_does_not_stop_parsing():
    raw = b"From: =?x-unknown?q?Bad?= <bad@x.example>\r\nSubject: \xff\xfe hi\r\n\r\nbody\r\n"
    doc = received_doc(raw, "BASE64")
    mail = inbound.parse(json.loads(json.dumps(doc)), mail_timestamp=None)  # type: ignore[arg-type]
    assert mail.from_address == "bad@x.example"
    assert mail.text == "body\r\n" or mail.text == "body\n"
