"""pipeline: the shared path; dry runs store nothing; outcomes summarise on one line."""

from __future__ import annotations

import pytest

from bouncy import pipeline
from bouncy.exceptions import BodyTooLarge, UnknownTopic
from bouncy.models import Notification
from tests.support.sns import OTHER_TOPIC, SNS_CERT_URL, body

pytestmark = pytest.mark.django_db


def test_process_stores_and_summarises(publisher):
    data = publisher.aws("awsdoc_notification_bounce_permanent_general_no_dsn.json")
    outcome = pipeline.process(body(data))
    assert (outcome.status, outcome.kind, outcome.rows) == ("stored", "Bounce", 2)
    assert outcome.summary() == f"stored Bounce 2 rows (MessageId {data['MessageId']})"


def test_a_dry_run_verifies_and_stores_nothing(publisher):
    data = publisher.aws("awsdoc_event_click.json")
    outcome = pipeline.process(body(data), dry_run=True)
    assert (outcome.status, outcome.kind, outcome.rows) == ("verified", "Click", 1)
    assert not Notification.objects.exists()


def test_a_duplicate_is_reported(publisher):
    raw = body(publisher.aws("awsdoc_event_click.json"))
    pipeline.process(raw)
    assert pipeline.process(raw).status == "duplicate"


def test_the_certificate_source_replaces_the_fetch(publisher, leaf, cert_server):
    data = publisher.aws("awsdoc_event_send.json", cert_url=SNS_CERT_URL)
    seen = []
    outcome = pipeline.process(
        body(data), certificate_source=lambda url: seen.append(url) or leaf.pem)
    assert outcome.status == "stored" and seen == [SNS_CERT_URL] and cert_server.hits == []


def test_the_size_guard_applies_to_every_caller(settings):
    settings.BOUNCY_MAX_BODY_BYTES = 10
    with pytest.raises(BodyTooLarge):
        pipeline.process(b"{" + b" " * 20 + b"}")


def test_the_topic_is_checked_before_any_certificate_is_asked_for(publisher):
    data = publisher.aws("awsdoc_event_send.json", TopicArn=OTHER_TOPIC)
    with pytest.raises(UnknownTopic):
        pipeline.process(body(data), certificate_source=lambda url: pytest.fail("fetched"))


def test_an_unknown_ses_type_is_stored_and_logged(publisher, caplog):
    data = publisher.notification('{"eventType": "Teleport", "mail": {"messageId": "m"}}')
    with caplog.at_level("WARNING", logger="bouncy.pipeline"):
        outcome = pipeline.process(body(data))
    assert (outcome.status, outcome.kind) == ("stored", "Teleport")
    assert "unknown SES type 'Teleport'" in caplog.text
