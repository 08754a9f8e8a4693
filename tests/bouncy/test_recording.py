"""recording: one INSERT per SNS MessageId; ``stored`` after the commit; rows come later."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bouncy import envelope, pipeline, recording
from bouncy.models import Bounce, Notification
from bouncy.signals import stored
from tests.support.sns import TOPIC

pytestmark = pytest.mark.django_db
BOUNCE = "awsdoc_notification_bounce_permanent_general_no_dsn.json"


def message(publisher, name: str, **fields) -> envelope.SnsMessage:
    return envelope.parse(json.dumps(publisher.aws(name, **fields)).encode())


def store(msg: envelope.SnsMessage) -> recording.Recorded:
    content, error = pipeline.read_content(msg)
    return recording.record(msg, content, error)


def test_a_notification_is_stored_in_one_statement_and_waits_for_its_batch(publisher):
    msg = message(publisher, BOUNCE)
    content, error = pipeline.read_content(msg)
    with CaptureQueriesContext(connection) as queries:
        recorded = recording.record(msg, content, error)
    assert len(queries) == 1 and "ON CONFLICT" in queries[0]["sql"]
    assert recorded.created and recorded.rows == 2 and recorded.notification.pk
    assert recorded.notification.processed_at is None
    assert not Bounce.objects.exists()  # bouncy.processing makes the rows


def test_stored_is_sent_after_the_commit_once_per_notification_that_waits(
    publisher, django_capture_on_commit_callbacks
):
    calls = []
    stored.connect(
        lambda sender, notification, **kw: calls.append(notification.pk),
        dispatch_uid="test-once",
        weak=False,
    )
    try:
        msg = message(publisher, BOUNCE)
        unreadable = envelope.parse(json.dumps(publisher.notification("not SES")).encode())
        with django_capture_on_commit_callbacks() as callbacks:
            first = store(msg)
            again = store(msg)
            store(unreadable)  # nothing to make rows from: processed as stored
        assert calls == [] and len(callbacks) == 1  # nothing before the commit
        callbacks[0]()
    finally:
        stored.disconnect(dispatch_uid="test-once")
    assert calls == [first.notification.pk]
    assert (again.created, again.notification.pk) == (False, first.notification.pk)
    assert Notification.objects.count() == 2


def test_an_unreadable_message_is_stored_raw_with_the_reason_and_nothing_waits(publisher):
    msg = envelope.parse(json.dumps(publisher.notification("plain text, not SES")).encode())
    recorded = store(msg)
    assert recorded.notification.parse_error == "Message is not JSON"
    assert recorded.notification.kind == "" and recorded.notification.processed_at is not None


def test_the_notification_row_keeps_what_the_admin_needs(publisher):
    msg = message(publisher, "awsdoc_event_open.json", subject="Hi", version="2")
    store(msg)
    row = Notification.objects.get()
    assert (row.type, row.topic_arn, row.subject, row.kind, row.ses_format) == (
        "Notification",
        TOPIC,
        "Hi",
        "Open",
        "event",
    )
    assert row.mail_id == "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
    assert (row.signature_version, row.body) == ("2", msg.body)
    assert row.timestamp == msg.timestamp
