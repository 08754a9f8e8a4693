"""Simulator sends come back as signed SNS messages, in SES's real formats, POSTed to a webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.sandbox import client, raw_message, wait_for
from tests.support.sns import verify_sns

BOUNCE = "bounce@simulator.amazonses.com"
DSN_KEYS = {"emailAddress", "action", "status", "diagnosticCode"}


def send(box, to: str, **options) -> str:
    """A raw v1 send; the SES MessageId."""
    raw = raw_message(to=to, extra="Message-ID: <abc@example.com>\r\n")
    return client("ses", box).send_raw_email(RawMessage={"Data": raw}, **options)["MessageId"]


def ses_json(message: dict) -> dict:
    return json.loads(message["Message"])


def recipients_of(body: dict) -> list[str]:
    """The per-recipient addresses of a Bounce, Complaint or Delivery."""
    kind = body["notificationType"]
    if kind == "Delivery":
        return body["delivery"]["recipients"]
    key = "bouncedRecipients" if kind == "Bounce" else "complainedRecipients"
    return [entry["emailAddress"] for entry in body[kind.lower()][key]]


def test_a_bounce_arrives_as_a_signed_notification_in_the_real_format(feedback_box, receiver):
    message_id = send(feedback_box, BOUNCE)
    wait_for(feedback_box, 1)
    [message] = receiver.messages()
    assert verify_sns(message) is not None
    assert message["Type"] == "Notification" and "Subject" not in message
    assert message["TopicArn"] == feedback_box.topic_arn
    assert message["SigningCertURL"].startswith(f"{feedback_box.url}/SimpleNotificationService-")
    assert message["UnsubscribeURL"].startswith(f"{feedback_box.url}/?Action=Unsubscribe")
    assert datetime.fromisoformat(message["Timestamp"]).tzinfo == UTC
    body = ses_json(message)
    assert body["notificationType"] == "Bounce"
    assert body["bounce"]["bounceType"] == "Permanent"
    assert body["bounce"]["bounceSubType"] == "General"
    assert body["bounce"]["reportingMTA"].startswith("dsn; ")
    [recipient] = body["bounce"]["bouncedRecipients"]
    assert set(recipient) == DSN_KEYS
    assert (recipient["emailAddress"], recipient["status"], recipient["action"]) == (
        BOUNCE, "5.1.1", "failed"
    )  # fmt: skip
    mail = body["mail"]
    assert mail["messageId"] == message_id
    assert (mail["source"], mail["destination"]) == ("sender@example.com", [BOUNCE])
    assert {"name": "Subject", "value": "Hello"} in mail["headers"]
    assert mail["commonHeaders"]["to"] == [BOUNCE]
    assert mail["commonHeaders"]["from"] == ["Sender <sender@example.com>"]
    assert mail["commonHeaders"]["messageId"] == "<abc@example.com>"


def test_sns_headers_are_sent(feedback_box, receiver):
    send(feedback_box, BOUNCE)
    wait_for(feedback_box, 1)
    [(headers, body)] = receiver.received
    message = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == message["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == feedback_box.topic_arn
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize(
    ("mailbox", "kind", "detail"),
    [
        ("success", "Delivery", {"smtpResponse": "250 2.6.0 Message received"}),
        ("ooto", "Delivery", {"smtpResponse": "250 2.6.0 Message received"}),
        ("complaint", "Complaint", {"complaintFeedbackType": "abuse"}),
        ("suppressionlist", "Bounce",
         {"bounceType": "Permanent", "bounceSubType": "OnAccountSuppressionList",
          "reportingMTA": "dns; amazonses.com"}),
    ],
)  # fmt: skip
def test_each_mailbox_gives_its_notification(feedback_box, receiver, mailbox, kind, detail):
    address = f"{mailbox}+label@simulator.amazonses.com"
    send(feedback_box, address)
    wait_for(feedback_box, 1)
    [message] = receiver.messages()
    verify_sns(message)
    body = ses_json(message)
    assert body["notificationType"] == kind
    assert detail.items() <= body[kind.lower()].items()
    assert recipients_of(body) == [address]


def test_suppression_list_bounce_explains_itself(feedback_box, receiver):
    send(feedback_box, "suppressionlist@simulator.amazonses.com")
    wait_for(feedback_box, 1)
    [recipient] = ses_json(receiver.messages()[0])["bounce"]["bouncedRecipients"]
    assert recipient["status"] == "5.1.1" and "suppression list" in recipient["diagnosticCode"]


def test_one_message_to_several_mailboxes_gives_one_notification_each(feedback_box, receiver):
    to = f"{BOUNCE}, complaint@simulator.amazonses.com, someone@example.com"
    message_id = send(feedback_box, to)
    entries = wait_for(feedback_box, 2)
    assert sorted(e["kind"] for e in entries) == ["Bounce", "Complaint"]
    bodies = [ses_json(m) for m in receiver.messages()]
    assert {b["mail"]["messageId"] for b in bodies} == {message_id}
    assert all(len(b["mail"]["destination"]) == 3 for b in bodies)


def test_ordinary_recipients_produce_no_feedback(feedback_box, receiver):
    send(feedback_box, "someone@example.com")
    assert feedback_box.wait_for_feedback(2)
    assert feedback_box.notifications() == [] and receiver.received == []


def test_a_configuration_set_gives_the_event_publishing_format(feedback_box, receiver):
    send(feedback_box, BOUNCE, ConfigurationSetName="mailroom-events")
    wait_for(feedback_box, 1)
    [message] = receiver.messages()
    assert message["Subject"] == "Amazon SES Email Event Notification"
    verify_sns(message)  # the Subject is part of the signed string
    body = ses_json(message)
    assert body["eventType"] == "Bounce" and "notificationType" not in body
    assert body["mail"]["tags"]["ses:configuration-set"] == ["mailroom-events"]


def test_the_configuration_set_header_counts_like_the_parameter(feedback_box, receiver):
    raw = raw_message(to=BOUNCE, extra="X-SES-CONFIGURATION-SET: via-header\r\n")
    client("ses", feedback_box).send_raw_email(RawMessage={"Data": raw})
    wait_for(feedback_box, 1)
    body = ses_json(receiver.messages()[0])
    assert body["mail"]["tags"]["ses:configuration-set"] == ["via-header"]
    assert all(h["name"] != "X-SES-CONFIGURATION-SET" for h in body["mail"]["headers"])


def test_v2_simple_sends_get_feedback_too(feedback_box, receiver):
    answer = client("sesv2", feedback_box).send_email(
        FromEmailAddress="from@example.com",
        Destination={"ToAddresses": ["ooto@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Body"}}}},
    )
    wait_for(feedback_box, 1)
    body = ses_json(receiver.messages()[0])
    assert body["mail"]["messageId"] == answer["MessageId"]
    assert body["delivery"]["recipients"] == ["ooto@simulator.amazonses.com"]


def test_signature_version_1_is_sha1(make_sandbox, receiver):
    box = make_sandbox(feedback_url=receiver.url, feedback_delay=0, signature_version="1")
    send(box, BOUNCE)
    wait_for(box, 1)
    [message] = receiver.messages()
    assert message["SignatureVersion"] == "1"
    verify_sns(message)


def test_a_tampered_message_does_not_verify(feedback_box, receiver):
    send(feedback_box, BOUNCE)
    wait_for(feedback_box, 1)
    message = receiver.messages()[0]
    message["Message"] = message["Message"].replace("Permanent", "Transient")
    with pytest.raises(InvalidSignature):
        verify_sns(message)


def test_the_certificate_is_a_fresh_rsa_2048_self_signed_one(feedback_box, receiver):
    send(feedback_box, BOUNCE)
    wait_for(feedback_box, 1)
    certificate = verify_sns(receiver.messages()[0])
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert certificate.not_valid_before_utc < datetime.now(UTC) < certificate.not_valid_after_utc
    assert certificate.issuer == certificate.subject


def test_feedback_has_the_headers_even_when_raw_mail_is_not_kept(make_sandbox, receiver):
    box = make_sandbox(feedback_url=receiver.url, feedback_delay=0, keep_raw=False)
    send(box, BOUNCE)
    wait_for(box, 1)
    assert "raw" not in box.messages()[0]
    headers = ses_json(receiver.messages()[0])["mail"]["headers"]
    assert {"name": "Subject", "value": "Hello"} in headers
