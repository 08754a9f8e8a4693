"""processing: a batch makes the rows of waiting notifications and hands them over, atomically."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from bouncy import envelope, pipeline, processing, recording
from bouncy.models import Bounce, Complaint, Delivery, Event, Notification
from bouncy.signals import feedback, feedback_batch
from tests.support.files import ses_text

pytestmark = pytest.mark.django_db
BOUNCE = "awsdoc_notification_bounce_permanent_general_no_dsn.json"


def store(publisher, name: str) -> Notification:
    msg = envelope.parse(json.dumps(publisher.aws(name)).encode())
    content, error = pipeline.read_content(msg)
    return recording.record(msg, content, error).notification


@pytest.fixture
def batches():
    """Every feedback_batch: (rows, each row stored and visible, inside a transaction)."""
    calls = []

    def receiver(sender, rows, **kwargs):
        visible = all(type(r).objects.filter(pk=r.pk).exists() for r in rows)
        calls.append((rows, visible, connection.in_atomic_block))

    feedback_batch.connect(receiver, dispatch_uid="test-processing")
    yield calls
    feedback_batch.disconnect(dispatch_uid="test-processing")


def test_one_batch_makes_every_row_in_arrival_order_and_hands_them_over_once(publisher, batches):
    first = store(publisher, BOUNCE)
    store(publisher, "awsdoc_notification_complaint_abuse_with_feedback.json")
    store(publisher, "awsdoc_event_delivery.json")
    store(publisher, "awsdoc_event_click.json")

    done = processing.process_pending(10)

    assert (done.notifications, done.rows) == (4, 5)
    [(rows, visible, atomic)] = batches
    assert [type(r) for r in rows] == [Bounce, Bounce, Complaint, Delivery, Event]
    assert visible and atomic
    assert [b.address for b in rows[:2]] == ["jane@example.com", "richard@example.com"]
    assert rows[0].notification_id == first.pk and rows[0].hard and rows[0].email_id is None
    assert not processing.pending().exists()
    assert processing.process_pending(10) == processing.Processed() and len(batches) == 1


def test_a_batch_takes_at_most_its_limit_oldest_first(publisher, batches):
    ids = [store(publisher, "awsdoc_event_open.json").pk for _ in range(3)]
    assert processing.process_pending(2).notifications == 2
    assert list(processing.pending().values_list("id", flat=True)) == ids[2:]
    assert [r.notification_id for r in batches[0][0]] == ids[:2]


def test_rows_are_also_sent_one_by_one_on_feedback(publisher):
    calls = []
    feedback.connect(
        lambda sender, instance, **kw: calls.append((sender, instance.pk)),
        dispatch_uid="test-one-by-one",
        weak=False,
    )
    try:
        store(publisher, BOUNCE)
        processing.process_pending(10)
    finally:
        feedback.disconnect(dispatch_uid="test-one-by-one")
    bounces = Bounce.objects.values_list("pk", flat=True)
    assert sorted(calls) == sorted((Bounce, pk) for pk in bounces)


def test_event_rows_keep_addresses_and_data(publisher):
    store(publisher, "awsdoc_event_delivery_delay.json")
    processing.process_pending(10)
    event = Event.objects.get()
    assert event.event_type == "DeliveryDelay" and event.addresses == ["recipient@example.com"]
    assert event.data["delayType"] == "TransientCommunicationFailure"


def test_a_receiver_error_rolls_the_batch_back_and_the_notifications_wait(publisher):
    store(publisher, BOUNCE)

    def broken(sender, rows, **kwargs):
        raise RuntimeError("receiver failed")

    feedback_batch.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            processing.process_pending(10)
    finally:
        feedback_batch.disconnect(dispatch_uid="test-broken")
    assert not Bounce.objects.exists() and processing.pending().count() == 1
    assert processing.process_pending(10).rows == 2


def test_subscription_messages_and_unreadable_ones_never_wait(publisher):
    msg = envelope.parse(json.dumps(publisher.notification("plain text")).encode())
    recording.record(msg, None, "Message is not JSON")
    assert Notification.objects.count() == 1 and not processing.pending().exists()


REWRAPPED = [
    (BOUNCE, Bounce),
    ("awsdoc_event_bounce_permanent_general.json", Bounce),
    ("awsdoc_notification_complaint_abuse_with_feedback.json", Complaint),
    ("awsdoc_event_complaint_abuse.json", Complaint),
    ("awsdoc_notification_delivery.json", Delivery),
    ("awsdoc_event_delivery.json", Delivery),
]


@pytest.mark.parametrize(("name", "model"), REWRAPPED)
def test_a_rewrapped_ses_event_changes_nothing(publisher, batches, name, model):
    """The same SES event in a new SNS envelope (new MessageId): no row, nothing handed over."""
    store(publisher, name)
    processing.process_pending(10)
    rows = model.objects.count()

    store(publisher, name)
    assert processing.process_pending(10) == processing.Processed(1, 0)

    assert model.objects.count() == rows and batches[-1][0] == []
    assert Notification.objects.count() == 2  # what arrived is kept, for the record


@pytest.mark.parametrize(("name", "model"), REWRAPPED)
def test_two_copies_in_one_batch_make_one_set_of_rows(publisher, name, model):
    store(publisher, name)
    store(publisher, name)
    done = processing.process_pending(10)
    assert done.notifications == 2 and done.rows == model.objects.count() >= 1


def test_a_new_ses_event_for_the_same_mail_is_recorded(publisher):
    first = json.loads(ses_text(BOUNCE))
    second = json.loads(ses_text(BOUNCE))
    second["bounce"]["feedbackId"] += "-2"
    for doc in (first, second):
        msg = envelope.parse(json.dumps(publisher.notification(doc)).encode())
        recording.record(msg, *pipeline.read_content(msg))
    assert processing.process_pending(10).rows == 4 and Bounce.objects.count() == 4
