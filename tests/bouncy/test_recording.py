"""recording: stored once per SNS MessageId; ``feedback`` sent per row inside the transaction."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from bouncy import envelope, pipeline, recording
from bouncy.models import Bounce, Complaint, Delivery, Event, Notification
from bouncy.signals import feedback

pytestmark = pytest.mark.django_db
BOUNCE = "awsdoc_notification_bounce_permanent_general_no_dsn.json"


def message(publisher, tools, name: str, **fields) -> envelope.SnsMessage:
    return envelope.parse(json.dumps(publisher.aws(name, **fields)).encode())


def store(msg: envelope.SnsMessage) -> recording.Recorded:
    content, error = pipeline.read_content(msg)
    return recording.record(msg, content, error)


@pytest.fixture
def received():
    """Every feedback signal: (sender, instance, stored row visible, inside a transaction)."""
    calls = []

    def receiver(sender, instance, **kwargs):
        visible = sender.objects.filter(pk=instance.pk).exists()
        calls.append((sender, instance, visible, connection.in_atomic_block))

    feedback.connect(receiver, dispatch_uid="test-recording")
    yield calls
    feedback.disconnect(dispatch_uid="test-recording")


def test_one_bounce_row_per_recipient_and_one_signal_each(publisher, tools, received):
    recorded = store(message(publisher, tools, BOUNCE))
    assert recorded.created and recorded.rows == 2
    rows = list(Bounce.objects.order_by("address"))
    assert [b.address for b in rows] == ["jane@example.com", "richard@example.com"]
    assert all(b.hard and b.notification == recorded.notification and b.email is None for b in rows)
    assert rows[0].mail_id == "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000"
    assert sorted((s, i.address, v, a) for s, i, v, a in received) == [
        (Bounce, "jane@example.com", True, True), (Bounce, "richard@example.com", True, True)]


@pytest.mark.parametrize("name, model", [
    ("awsdoc_notification_complaint_abuse_with_feedback.json", Complaint),
    ("awsdoc_event_delivery.json", Delivery),
    ("awsdoc_event_click.json", Event),
])
def test_each_kind_lands_in_its_model(publisher, tools, received, name, model):
    store(message(publisher, tools, name))
    row = model.objects.get()
    assert [(s, i.pk) for s, i, _, _ in received] == [(model, row.pk)]


def test_event_rows_keep_addresses_and_data(publisher, tools):
    store(message(publisher, tools, "awsdoc_event_delivery_delay.json"))
    event = Event.objects.get()
    assert event.event_type == "DeliveryDelay" and event.addresses == ["recipient@example.com"]
    assert event.data["delayType"] == "TransientCommunicationFailure"


def test_a_redelivery_changes_nothing_and_sends_no_signal(publisher, tools, received):
    msg = message(publisher, tools, "awsdoc_event_delivery.json")
    first = store(msg)
    received.clear()
    second = store(msg)
    assert (second.created, second.notification.pk) == (False, first.notification.pk)
    assert received == [] and Delivery.objects.count() == 1


def test_a_receiver_error_rolls_everything_back(publisher, tools):
    def broken(sender, instance, **kwargs):
        raise RuntimeError("receiver failed")

    feedback.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            store(message(publisher, tools, BOUNCE))
    finally:
        feedback.disconnect(dispatch_uid="test-broken")
    assert not Notification.objects.exists() and not Bounce.objects.exists()


def test_an_unreadable_message_is_stored_raw_with_the_reason(publisher, tools, received):
    msg = envelope.parse(json.dumps(publisher.notification("plain text, not SES")).encode())
    recorded = store(msg)
    assert recorded.notification.parse_error == "Message is not JSON"
    assert recorded.notification.kind == "" and received == []


def test_the_notification_row_keeps_what_the_admin_needs(publisher, tools):
    msg = message(publisher, tools, "awsdoc_event_open.json", subject="Hi", version="2")
    row = store(msg).notification
    assert (row.type, row.topic_arn, row.subject, row.kind, row.ses_format) == (
        "Notification", tools.TOPIC, "Hi", "Open", "event")
    assert row.mail_id == "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
    assert (row.signature_version, row.body) == ("2", msg.body)
    assert row.timestamp == msg.timestamp


@pytest.mark.parametrize("name, model", [
    (BOUNCE, Bounce),
    ("awsdoc_event_bounce_permanent_general.json", Bounce),
    ("awsdoc_notification_complaint_abuse_with_feedback.json", Complaint),
    ("awsdoc_event_complaint_abuse.json", Complaint),
    ("awsdoc_notification_delivery.json", Delivery),
    ("awsdoc_event_delivery.json", Delivery),
])
def test_a_rewrapped_ses_event_changes_nothing(publisher, tools, received, name, model):
    """The same SES event in a new SNS envelope (new MessageId): no row, no signal."""
    store(message(publisher, tools, name))
    rows = model.objects.count()
    received.clear()

    again = store(message(publisher, tools, name))

    assert again.rows == 0 and received == [] and model.objects.count() == rows
    assert Notification.objects.count() == 2  # what arrived is kept, for the record


def test_a_new_ses_event_for_the_same_mail_is_recorded(publisher, tools, received):
    first = json.loads(tools.ses_text(BOUNCE))
    second = json.loads(tools.ses_text(BOUNCE))
    second["bounce"]["feedbackId"] += "-2"
    store(envelope.parse(json.dumps(publisher.notification(first)).encode()))
    received.clear()
    recorded = store(envelope.parse(json.dumps(publisher.notification(second)).encode()))
    assert recorded.rows == 2 and len(received) == 2 and Bounce.objects.count() == 4
