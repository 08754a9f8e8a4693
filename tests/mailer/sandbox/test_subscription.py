"""The sandbox as SNS: SubscriptionConfirmation, SubscribeURL, ListSubscriptionsByTopic, cert."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import client, http, wait_for
from tests.support.sns import verify_sns


def subscriptions(box) -> list[dict]:
    return client("sns", box).list_subscriptions_by_topic(TopicArn=box.topic_arn)["Subscriptions"]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_the_webhook_subscription_starts_confirmed(feedback_box, receiver):
    [subscription] = subscriptions(feedback_box)
    assert subscription["Endpoint"] == receiver.url
    assert subscription["Protocol"] == "http"
    assert subscription["SubscriptionArn"].startswith(feedback_box.topic_arn + ":")


def test_a_confirmation_request_is_signed_and_its_subscribe_url_confirms(feedback_box, receiver):
    feedback_box.send_subscription_confirmation()
    wait_for(feedback_box, 1)
    [message] = receiver.messages()
    assert message["Type"] == "SubscriptionConfirmation"
    verify_sns(message)  # SubscribeURL and Token are part of the signed string
    assert message["SubscribeURL"].startswith(f"{feedback_box.url}/?Action=ConfirmSubscription")
    assert subscriptions(feedback_box)[0]["SubscriptionArn"] == "PendingConfirmation"
    status, reply = get(message["SubscribeURL"])
    assert status == 200 and b"<SubscriptionArn>arn:aws:sns:" in reply
    assert subscriptions(feedback_box)[0]["SubscriptionArn"].startswith(feedback_box.topic_arn)
    assert http(feedback_box, "GET", "/_sandbox/subscription")[1]["confirmations"] == 1


def test_the_confirmation_can_be_requested_over_http(feedback_box, receiver):
    status, answer = http(feedback_box, "POST", "/_sandbox/subscription-confirmation")
    assert status == 200 and answer["url"] == receiver.url
    wait_for(feedback_box, 1)
    assert receiver.messages()[0]["MessageId"] == answer["sns_message_id"]


def test_a_wrong_token_is_refused(feedback_box):
    feedback_box.send_subscription_confirmation()
    url = f"{feedback_box.url}/?Action=ConfirmSubscription&TopicArn={feedback_box.topic_arn}"
    status, reply = get(url + "&Token=nope")
    assert status == 400 and b"InvalidParameter" in reply
    assert subscriptions(feedback_box)[0]["SubscriptionArn"] == "PendingConfirmation"


def test_the_unsubscribe_url_drops_the_subscription(feedback_box, receiver):
    client("ses", feedback_box).send_email(
        Source="from@example.com",
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Body"}}},
    )
    wait_for(feedback_box, 1)
    assert get(receiver.messages()[0]["UnsubscribeURL"])[0] == 200
    assert subscriptions(feedback_box) == []


def test_no_feedback_url_means_no_subscription(box):
    assert subscriptions(box) == []


def test_another_topic_does_not_exist(box):
    with pytest.raises(ClientError) as caught:
        client("sns", box).list_subscriptions_by_topic(
            TopicArn="arn:aws:sns:us-east-1:123456789012:other"
        )
    assert caught.value.response["Error"]["Code"] == "NotFound"


def test_the_certificate_is_served_only_under_its_own_name(box):
    pem = box.certificate_pem()
    name = box.feedback.signer().filename
    assert get(f"{box.url}/{name}") == (200, pem)
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert get(f"{box.url}/SimpleNotificationService-0123abcd.pem")[0] == 404


def test_each_sandbox_has_its_own_key(make_sandbox):
    first, second = make_sandbox(), make_sandbox()
    assert first.certificate_pem() != second.certificate_pem()
    assert first.feedback.signer().filename != second.feedback.signer().filename
