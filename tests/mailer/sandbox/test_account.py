"""What the simulated account reports: identities, notification topics, production access, keys."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import NO_RETRIES, client

TOPIC = "arn:aws:sns:eu-west-1:123456789012:feedback"


def test_every_identity_is_verified_by_default(ses):
    answer = ses.get_identity_verification_attributes(Identities=["a@example.com", "example.org"])
    statuses = {k: v["VerificationStatus"] for k, v in answer["VerificationAttributes"].items()}
    assert statuses == {"a@example.com": "Success", "example.org": "Success"}


def test_only_the_listed_identities_are_verified(make_sandbox):
    ses = client("ses", make_sandbox(verified_identities=["Example.com"]))
    ses.verify_email_identity(EmailAddress="asked@example.org")
    answer = ses.get_identity_verification_attributes(
        Identities=["example.com", "asked@example.org", "unknown.example"]
    )
    statuses = {k: v["VerificationStatus"] for k, v in answer["VerificationAttributes"].items()}
    assert statuses == {"example.com": "Success", "asked@example.org": "Pending"}


def test_identities_have_the_feedback_topic(make_sandbox):
    ses = client("ses", make_sandbox(topic_arn=TOPIC))
    answer = ses.get_identity_notification_attributes(Identities=["example.com"])
    attributes = answer["NotificationAttributes"]["example.com"]
    assert attributes["BounceTopic"] == attributes["ComplaintTopic"] == TOPIC
    assert attributes["ForwardingEnabled"] is False


def test_without_notification_topics_bounces_are_forwarded_by_email(make_sandbox):
    ses = client("ses", make_sandbox(notification_topics=False))
    answer = ses.get_identity_notification_attributes(Identities=["example.com"])
    assert answer["NotificationAttributes"]["example.com"] == {"ForwardingEnabled": True}


def test_configuration_sets_publish_to_the_topic(make_sandbox):
    sesv2 = client("sesv2", make_sandbox(topic_arn=TOPIC))
    answer = sesv2.get_configuration_set_event_destinations(ConfigurationSetName="events")
    [destination] = answer["EventDestinations"]
    assert destination["SnsDestination"] == {"TopicArn": TOPIC} and destination["Enabled"]
    assert {"BOUNCE", "COMPLAINT"} <= set(destination["MatchingEventTypes"])


@pytest.mark.parametrize("production", [True, False])
def test_get_account_reports_production_access(make_sandbox, production):
    sesv2 = client("sesv2", make_sandbox(production_access=production))
    assert sesv2.get_account()["ProductionAccessEnabled"] is production


def unknown_key_client(service, box):
    return boto3.client(
        service,
        endpoint_url=box.url,
        region_name="eu-west-1",
        aws_access_key_id="AKIAUNKNOWN",
        aws_secret_access_key="x",
        config=NO_RETRIES,
    )


@pytest.mark.parametrize(
    ("service", "call", "code", "status"),
    [
        ("ses", "get_send_quota", "InvalidClientTokenId", 403),
        ("sesv2", "get_account", "UnrecognizedClientException", 403),
    ],
)
def test_an_unknown_access_key_is_refused(make_sandbox, service, call, code, status):
    box = make_sandbox(access_keys=["testing"])
    with pytest.raises(ClientError) as caught:
        getattr(unknown_key_client(service, box), call)()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    getattr(client(service, box), call)()  # the known key ("testing") still works
