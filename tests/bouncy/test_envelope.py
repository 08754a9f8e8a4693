"""envelope: what counts as an SNS message, and the exact string SNS signs."""

from __future__ import annotations

import json

import pytest

from bouncy import envelope
from bouncy.exceptions import MalformedMessage, UnsupportedMessageType

NOTIFICATION = {
    "Type": "Notification",
    "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Subject": "My First Message",
    "Message": "Hello world!",
    "Timestamp": "2012-05-02T00:54:06.655Z",
    "SignatureVersion": "1",
    "Signature": "EXAMPLEw6JRN...",
    "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
}
CONFIRMATION = {
    "Type": "SubscriptionConfirmation",
    "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
    "Token": "2336412f37f",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Message": "You have chosen to subscribe to the topic.",
    "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f37f",
    "Timestamp": "2012-04-26T20:45:04.751Z",
    "SignatureVersion": "1",
    "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N"
                 "858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5"
                 "+gLPoBc1Q=",
    "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
}


def parse(data: dict) -> envelope.SnsMessage:
    return envelope.parse(json.dumps(data).encode())


def test_notification_string_to_sign_includes_subject_in_order():
    expected = ("Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n"
                "Subject\nMy First Message\nTimestamp\n2012-05-02T00:54:06.655Z\n"
                "TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n")
    assert parse(NOTIFICATION).string_to_sign() == expected.encode()


def test_notification_without_subject_leaves_it_out():
    data = {k: v for k, v in NOTIFICATION.items() if k != "Subject"}
    assert b"Subject" not in parse(data).string_to_sign()


def test_a_null_subject_is_absent():
    assert b"Subject" not in parse({**NOTIFICATION, "Subject": None}).string_to_sign()


def test_a_notification_never_signs_token_or_subscribe_url():
    data = {**NOTIFICATION, "Token": "t", "SubscribeURL": "https://x"}
    assert b"Token" not in parse(data).string_to_sign()


def test_confirmation_string_to_sign():
    expected = ("Message\nYou have chosen to subscribe to the topic.\n"
                "MessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\n"
                f"SubscribeURL\n{CONFIRMATION['SubscribeURL']}\n"
                "Timestamp\n2012-04-26T20:45:04.751Z\nToken\n2336412f37f\n"
                "TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nSubscriptionConfirmation\n")
    assert parse(CONFIRMATION).string_to_sign() == expected.encode()


def test_the_timestamp_is_signed_as_sent():
    message = parse(NOTIFICATION)
    assert message.timestamp.isoformat() == "2012-05-02T00:54:06.655000+00:00"
    assert b"2012-05-02T00:54:06.655Z" in message.string_to_sign()


def test_non_ascii_is_signed_as_utf8():
    message = parse({**NOTIFICATION, "Message": "Grüße"})
    assert "Grüße".encode() in message.string_to_sign()


def test_a_lone_surrogate_cannot_be_signed():
    with pytest.raises(MalformedMessage, match="not valid Unicode"):
        envelope.parse(json.dumps({**NOTIFICATION, "Subject": "\ud800"}).encode()).string_to_sign()


@pytest.mark.parametrize("change, words", [
    ({"Type": "Other"}, "unsupported Type"),
    ({"Timestamp": "2012-05-02T00:54:06"}, "no time zone"),
    ({"Timestamp": "1970-01-01T00:00:00Z"}, "out of range"),
    ({"Message": "a\u0000b"}, "'Message' contains a NUL character"),
    ({"Message": 5}, "'Message' must be a string"),
    ({"Subject": ["x"]}, "'Subject' must be a string"),
    ({"MessageId": ""}, "'MessageId' is empty"),
])
def test_invalid_envelopes(change, words):
    with pytest.raises((MalformedMessage, UnsupportedMessageType), match=words):
        parse({**NOTIFICATION, **change})


def test_unknown_extra_fields_are_tolerated():
    assert parse({**NOTIFICATION, "NewField": {"a": 1}}).message == "Hello world!"


@pytest.mark.parametrize("key", ["MessageId", "Subject", "Timestamp", "TopicArn"])
@pytest.mark.parametrize("brk", ["\n", "\r"])
def test_a_line_break_in_a_signed_notification_field_is_malformed(key, brk):
    data = {**NOTIFICATION, key: NOTIFICATION[key][:5] + brk + NOTIFICATION[key][5:]}
    with pytest.raises(MalformedMessage, match=f"'{key}' contains a line break"):
        parse(data)


@pytest.mark.parametrize("key", ["MessageId", "SubscribeURL", "Token", "TopicArn"])
def test_a_line_break_in_a_signed_confirmation_field_is_malformed(key):
    with pytest.raises(MalformedMessage, match="line break"):
        parse({**CONFIRMATION, key: CONFIRMATION[key] + "\nx"})


def test_the_message_itself_may_hold_line_breaks():
    assert parse({**NOTIFICATION, "Message": "line one\nline two\r\n"}).message.count("\n") == 2


def test_moving_the_subject_into_the_message_id_is_refused():
    """Same string to sign, new MessageId: the canonical-string injection SNS's format allows."""
    forged = {k: v for k, v in NOTIFICATION.items() if k != "Subject"}
    forged["MessageId"] = NOTIFICATION["MessageId"] + "\nSubject\n" + NOTIFICATION["Subject"]
    assert envelope.SnsMessage(  # the canonical strings agree: only the line break gives it away
        "", forged, parse(NOTIFICATION).timestamp
    ).string_to_sign() == parse(NOTIFICATION).string_to_sign()
    with pytest.raises(MalformedMessage, match="'MessageId' contains a line break"):
        parse(forged)
