"""events: every AWS-documented SES payload, both formats, parsed into typed records."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bouncy import events
from bouncy.exceptions import SesParseError
from tests.support.files import ses_json, ses_manifest, ses_text

MANIFEST = ses_manifest()
RECEIVED = datetime(2024, 1, 1, tzinfo=UTC)


def parse(source: str | dict) -> events.SesContent:
    text = source if isinstance(source, str) else json.dumps(source)
    return events.parse(text, received=RECEIVED)


def addresses(content: events.SesContent) -> list[str]:
    rows = content.bounces or content.complaints or content.deliveries
    return [r.address for r in rows] or list(content.others[0].addresses)


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_every_documented_payload_matches_the_manifest(entry):
    content = parse(ses_text(entry["file"]))
    assert (content.kind, content.format) == (entry["kind"], entry["format"])
    assert addresses(content) == entry["recipients"]
    assert content.mail.message_id
    for bounce in content.bounces:
        expected = (entry["bounceType"], entry["bounceSubType"])
        assert (bounce.bounce_type, bounce.bounce_subtype) == expected
        assert bounce.hard is (entry["expected_action"] == "suppress")
    for complaint in content.complaints:
        assert complaint.feedback_type == (entry["complaintFeedbackType"] or "")
        assert complaint.complaint_subtype == (entry["complaintSubType"] or "")


def test_bounce_with_dsn_keeps_per_recipient_details():
    document = ses_json("awsdoc_notification_bounce_permanent_general_with_dsn.json")
    (bounce,) = parse(document).bounces
    assert bounce.address == "jane@example.com"
    assert (bounce.action, bounce.status) == ("failed", "5.1.1")
    assert bounce.diagnostic_code == "smtp; 550 5.1.1 <jane@example.com>... User"
    assert bounce.reporting_mta == "dns; email.example.com"
    assert bounce.feedback_id == "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000"
    assert bounce.timestamp == datetime(2016, 1, 27, 14, 59, 38, 237000, tzinfo=UTC)


def test_mail_fields():
    content = parse(ses_json("awsdoc_notification_bounce_permanent_general_no_dsn.json"))
    assert content.mail.message_id == "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000"
    assert content.mail.destination == (
        "jane@example.com", "mary@example.com", "richard@example.com")
    assert content.mail.source == "john@example.com"


def test_complaint_fields():
    doc = ses_json("awsdoc_notification_complaint_abuse_with_feedback.json")
    (complaint,) = parse(doc).complaints
    assert complaint.user_agent == "AnyCompany Feedback Loop (V0.01)"
    assert complaint.arrival_date == datetime(2016, 1, 27, 14, 59, 38, 237000, tzinfo=UTC)


def test_complaint_on_account_suppression_list_subtype():
    doc = ses_json("awsdoc_notification_complaint_no_feedback.json")
    doc["complaint"]["complaintSubType"] = "OnAccountSuppressionList"
    (complaint,) = parse(doc).complaints
    assert complaint.complaint_subtype == "OnAccountSuppressionList"
    assert complaint.feedback_type == ""


def test_delivery_fields():
    (delivery,) = parse(ses_json("awsdoc_event_delivery.json")).deliveries
    assert delivery.processing_time_millis == 11893
    assert delivery.smtp_response == "250 2.6.0 Message received"
    assert delivery.reporting_mta == "mta.example.com"


@pytest.mark.parametrize("name, key", [
    ("awsdoc_event_send.json", "send"), ("awsdoc_event_reject.json", "reject"),
    ("awsdoc_event_open.json", "open"), ("awsdoc_event_click.json", "click"),
    ("awsdoc_event_rendering_failure.json", "failure"),
    ("awsdoc_event_delivery_delay.json", "deliveryDelay"),
    ("awsdoc_event_subscription.json", "subscription"),
])
def test_other_events_keep_their_type_specific_object(name, key):
    doc = ses_json(name)
    (event,) = parse(doc).others
    assert event.event_type == doc["eventType"]
    assert event.data == doc[key]
    assert event.addresses == tuple(doc["mail"]["destination"])


@pytest.mark.parametrize("bounce_type, status, hard", [
    ("Permanent", "", True), ("Permanent", "4.4.7", True), ("Transient", "5.7.1", True),
    ("Transient", "4.2.2", False), ("Transient", "", False), ("Undetermined", "5.0.0", False),
    ("Undetermined", "", False), ("Transient", "5.x", False),
])
def test_hard_bounces(bounce_type, status, hard):
    assert events.is_hard(bounce_type, status) is hard


def test_a_transient_bounce_with_a_5xx_status_is_hard():
    doc = ses_json("awsdoc_notification_bounce_permanent_general_with_dsn.json")
    doc["bounce"].update(bounceType="Transient", bounceSubType="MailboxFull")
    doc["bounce"]["bouncedRecipients"].append({"emailAddress": "x@example.com", "status": "4.2.2"})
    first, second = parse(doc).bounces
    assert (first.hard, second.hard) == (True, False)


def test_an_unknown_type_is_an_event_with_everything_but_mail():
    content = parse({"eventType": "Teleport", "mail": {"messageId": "m1"},
                     "teleport": {"to": "Mars"}, "extra": 1})
    (event,) = content.others
    assert (content.kind, event.event_type, event.data) == ("Teleport", "Teleport", {"to": "Mars"})
    assert content.mail.message_id == "m1"


def test_an_unknown_type_without_its_object_keeps_the_rest():
    (event,) = parse({"notificationType": "Novel", "mail": {}, "a": [1]}).others
    assert event.data == {"a": [1]}


def test_ses_subscription_success_message_has_no_mail():
    content = parse({"notificationType": "AmazonSnsSubscriptionSucceeded",
                     "message": "You have successfully subscribed your Amazon SNS topic"})
    assert content.mail.message_id == ""
    assert content.others[0].timestamp == RECEIVED


@pytest.mark.parametrize("message, words", [
    ("not json", "not JSON"), ("[]", "not a JSON object"), ("{}", "neither"),
    ('{"notificationType": 3}', "neither"), ("[" * 100000, "not JSON"),
])
def test_unreadable_messages(message, words):
    with pytest.raises(SesParseError, match=words):
        parse(message)


def test_wrong_types_inside_are_tolerated():
    content = parse({"notificationType": "Bounce", "mail": {"destination": "x", "messageId": 5},
                     "bounce": {"bounceType": 1, "timestamp": "never",
                                "bouncedRecipients": ["a", {"emailAddress": 7},
                                                      {"emailAddress": "ok@x"}]}})
    (bounce,) = content.bounces
    assert (bounce.address, bounce.bounce_type, bounce.timestamp) == ("ok@x", "", RECEIVED)
    assert content.mail == events.Mail()


def test_a_bounce_without_recipients_has_no_rows():
    assert parse({"notificationType": "Bounce", "mail": {}}).bounces == ()


def test_nul_surrogates_and_nan_are_cleaned_for_postgres():
    text = ('{"eventType": "Open", "mail": {"messageId": "a\\u0000b"}, '
            '"open": {"x": "\\ud800", "n": NaN}}')
    content = parse(text)
    assert content.mail.message_id == "ab"
    assert content.others[0].data == {"x": "?", "n": None}


def test_long_type_values_are_cut_to_the_column_size():
    (bounce,) = parse({"notificationType": "Bounce", "bounce": {"bounceType": "P" * 500,
                       "bouncedRecipients": [{"emailAddress": "a@b"}]}}).bounces
    assert len(bounce.bounce_type) == 64
