"""The enums bouncy owns keep the values SNS and SES send, and the stored choices."""

from __future__ import annotations

import json

from bouncy import envelope, events, inbound
from bouncy.models import Notification


def test_notification_type_is_the_envelope_message_type_with_unchanged_choices():
    assert Notification.Type is envelope.MessageType
    assert Notification._meta.get_field("type").choices == [
        ("Notification", "Notification"),
        ("SubscriptionConfirmation", "Subscription Confirmation"),
        ("UnsubscribeConfirmation", "Unsubscribe Confirmation"),
    ]


def test_values_are_the_strings_on_the_wire():
    assert list(events.FeedbackType) == ["Bounce", "Complaint", "Delivery"]
    assert list(inbound.Verdict) == ["spam", "virus", "spf", "dkim", "dmarc"]
    assert list(inbound.VerdictStatus) == ["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]
    assert json.dumps({inbound.Verdict.SPAM: inbound.ReceiptAction.S3}) == '{"spam": "S3"}'
