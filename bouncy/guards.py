"""Cheap checks made before any parsing of substance or network use: body size and topic."""

from __future__ import annotations

from bouncy.conf import BouncySettings
from bouncy.envelope import SnsMessage
from bouncy.exceptions import BodyTooLarge, UnknownTopic, shown


def check_size(body: bytes, conf: BouncySettings) -> None:
    """Refuse bodies over BOUNCY_MAX_BODY_BYTES."""
    if len(body) > conf.max_body_bytes:
        raise BodyTooLarge(f"the body is over {conf.max_body_bytes} bytes")


def check_topic(message: SnsMessage, conf: BouncySettings) -> None:
    """The signed TopicArn must be in BOUNCY_TOPIC_ARN; checked before fetching anything."""
    if message.topic_arn not in conf.topic_arns:
        raise UnknownTopic(f"topic {shown(message.topic_arn)} is not in BOUNCY_TOPIC_ARN")
