"""Cheap checks made before any parsing of substance or network use: size, topic, age."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from bouncy.conf import BouncySettings
from bouncy.envelope import SnsMessage
from bouncy.exceptions import BodyTooLarge, StaleNotification, UnknownTopic, shown


def check_size(body: bytes, conf: BouncySettings) -> None:
    """Refuse bodies over BOUNCY_MAX_BODY_BYTES."""
    if len(body) > conf.max_body_bytes:
        raise BodyTooLarge(f"the body is over {conf.max_body_bytes} bytes")


def check_topic(message: SnsMessage, conf: BouncySettings) -> None:
    """The signed TopicArn must be in BOUNCY_TOPIC_ARN; checked before fetching anything."""
    if message.topic_arn not in conf.topic_arns:
        raise UnknownTopic(f"topic {shown(message.topic_arn)} is not in BOUNCY_TOPIC_ARN")


def check_age(message: SnsMessage, conf: BouncySettings, now: datetime | None = None) -> None:
    """The signed Timestamp must be within BOUNCY_MAX_AGE of now (webhook deliveries only).

    A captured notification stays validly signed forever; replayed later it would suppress an
    address an admin had removed, or count a soft bounce again. SNS delivers within seconds and
    stops retrying long before an hour, so an older one did not come from SNS just now.
    """
    age = (now or timezone.now()) - message.timestamp
    if age > timedelta(seconds=conf.max_age_seconds):
        raise StaleNotification(
            f"the notification is older than BOUNCY_MAX_AGE ({conf.max_age_seconds} s): "
            f"Timestamp {message.timestamp.isoformat()}"
        )
