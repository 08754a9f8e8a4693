"""SNS envelopes (Notification, SubscriptionConfirmation): fields and signature (the string to
sign is bouncy's, the one the webhook verifies)."""

from __future__ import annotations

import time
import uuid
from typing import Protocol

from bouncy.envelope import MessageType, string_to_sign

from .notifications import iso

EVENT_SUBJECT = "Amazon SES Email Event Notification"


class Signer(Protocol):
    """What signing needs: a signature function and the certificate's file name."""

    filename: str

    def sign(self, data: bytes, version: str) -> str: ...


def notification(topic_arn: str, message: str, subject: str | None) -> dict[str, str]:
    """An unsigned Notification carrying `message` (the SES JSON, as a string)."""
    fields = {
        "Type": MessageType.NOTIFICATION, "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn
    }
    if subject is not None:
        fields["Subject"] = subject
    fields |= {"Message": message, "Timestamp": iso(time.time())}
    return fields


def subscription_confirmation(topic_arn: str, token: str, subscribe_url: str) -> dict[str, str]:
    """An unsigned SubscriptionConfirmation for `topic_arn`."""
    text = (
        f"You have chosen to subscribe to the topic {topic_arn}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    )
    return {
        "Type": MessageType.SUBSCRIPTION_CONFIRMATION,
        "MessageId": str(uuid.uuid4()),
        "Token": token,
        "TopicArn": topic_arn,
        "Message": text,
        "SubscribeURL": subscribe_url,
        "Timestamp": iso(time.time()),
    }


def sign(fields: dict[str, str], signer: Signer, version: str, base_url: str) -> dict[str, str]:
    """The message with SignatureVersion, Signature and SigningCertURL (at `base_url`) added."""
    return {
        **fields,
        "SignatureVersion": version,
        "Signature": signer.sign(string_to_sign(fields), version),
        "SigningCertURL": f"{base_url}/{signer.filename}",
    }


def headers(fields: dict[str, str], subscription_arn: str | None) -> dict[str, str]:
    """The HTTP headers SNS sends with a message."""
    sent = {
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Amazon Simple Notification Service Agent",
        "x-amz-sns-message-type": fields["Type"],
        "x-amz-sns-message-id": fields["MessageId"],
        "x-amz-sns-topic-arn": fields["TopicArn"],
    }
    if subscription_arn and fields["Type"] == MessageType.NOTIFICATION:
        sent["x-amz-sns-subscription-arn"] = subscription_arn
    return sent
