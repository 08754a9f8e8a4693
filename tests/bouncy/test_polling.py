"""bouncy_poll_sqs against a local SQS (moto server on 127.0.0.1): delete only what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from moto.server import ThreadedMotoServer

from bouncy import processing
from bouncy.models import Notification
from tests.support.files import ses_text
from tests.support.sns import OTHER_TOPIC, body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def sqs_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def queue(sqs_endpoint, request):
    client = boto3.client("sqs", endpoint_url=sqs_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    name = "bouncy-" + "".join(c for c in request.node.name if c.isalnum())[:60]
    url = client.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    yield client, url
    client.delete_queue(QueueUrl=url)


def count(client, url) -> int:
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    names = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    return sum(int(attrs[name]) for name in names)


def poll(url: str, endpoint: str, capsys) -> str:
    call_command("bouncy_poll_sqs", "--queue-url", url, "--endpoint-url", endpoint, "--once",
                 "--wait-seconds", "1", "--region", "us-east-1")
    return capsys.readouterr().out


def test_stored_messages_are_deleted_rejected_ones_stay(
        queue, sqs_endpoint, publisher, capsys):
    client, url = queue
    good = publisher.aws("awsdoc_notification_bounce_permanent_general_no_dsn.json")
    forged = publisher.aws("awsdoc_event_send.json", TopicArn=OTHER_TOPIC)
    for data in (good, good, forged):
        client.send_message(QueueUrl=url, MessageBody=body(data).decode())
    assert poll(url, sqs_endpoint, capsys).strip() == "stored 1, duplicate 1, rejected 1, failed 0"
    assert Notification.objects.count() == 1 and processing.process_pending(10).rows == 2
    assert count(client, url) == 1  # the forged one, left for the queue's redrive policy


def test_a_failure_while_storing_leaves_the_message_and_stores_nothing(
        queue, sqs_endpoint, publisher, capsys):
    client, url = queue
    data = publisher.aws("awsdoc_event_delivery.json")
    client.send_message(QueueUrl=url, MessageBody=body(data).decode())

    def broken(execute, sql, params, many, context):
        if "INSERT" in sql:
            raise OperationalError("database went away")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(broken):
        assert "failed 1" in poll(url, sqs_endpoint, capsys)
    assert not Notification.objects.exists()
    assert count(client, url) == 1


def test_raw_message_delivery_is_explained(queue, sqs_endpoint, capsys, caplog):
    client, url = queue
    client.send_message(QueueUrl=url, MessageBody=ses_text("awsdoc_event_send.json"))
    with caplog.at_level("WARNING", logger="bouncy.polling"):
        assert "rejected 1" in poll(url, sqs_endpoint, capsys)
    assert "turn off raw message delivery" in caplog.text


def test_an_unreachable_queue_is_a_command_error(sqs_endpoint):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="SQS receive_message failed"):
        call_command("bouncy_poll_sqs", "--queue-url", f"{sqs_endpoint}/123456789012/nope",
                     "--endpoint-url", sqs_endpoint, "--once", "--wait-seconds", "0")


def test_messages_older_than_bouncy_max_age_are_stored(
        queue, sqs_endpoint, publisher, capsys, settings):
    """A message may wait days in SQS: the webhook's freshness rule does not apply here."""
    settings.BOUNCY_MAX_AGE = 3600
    client, url = queue
    old = publisher.aws("awsdoc_notification_bounce_permanent_general_no_dsn.json",
                        Timestamp=hours_ago(5))
    client.send_message(QueueUrl=url, MessageBody=body(old).decode())
    assert poll(url, sqs_endpoint, capsys).strip() == "stored 1, duplicate 0, rejected 0, failed 0"
    assert processing.process_pending(10).rows == 2


def hours_ago(hours: float) -> str:
    """An SNS Timestamp (the test certificate is valid from a day ago)."""
    moment = datetime.now(UTC) - timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
