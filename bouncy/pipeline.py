"""The one path every SNS message takes (webhook, replay, SQS): guard → verify → parse → record.

The guards are cheap checks made before any parsing of substance or network use: size, topic,
age.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils import timezone

from bouncy import envelope, events, recording, sns, subscriptions
from bouncy.conf import BouncySettings, get_settings
from bouncy.envelope import SnsMessage
from bouncy.events import SesContent
from bouncy.exceptions import BodyTooLarge, SesParseError, StaleNotification, UnknownTopic, shown
from bouncy.models import Notification

logger = logging.getLogger(__name__)


class Status(StrEnum):
    """What became of an accepted message."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    VERIFIED = "verified"  # a dry run: checked, not stored


@dataclass(frozen=True)
class Outcome:
    """An accepted message: stored, a duplicate of a stored one, or verified only (dry run)."""

    status: Status
    message_type: str
    sns_message_id: str
    kind: str = ""
    rows: int = 0
    detail: str = ""

    def summary(self) -> str:
        """One line for logs and bouncy_replay: "stored Bounce 2 rows (MessageId …)"."""
        what = self.kind or self.message_type
        extra = f", {self.detail}" if self.detail else ""
        rows = f"{self.rows} row{'' if self.rows == 1 else 's'}"
        return f"{self.status} {what} {rows} (MessageId {self.sns_message_id}{extra})"


def process(
    body: bytes,
    *,
    certificate_source: sns.CertificateSource | None = None,
    dry_run: bool = False,
    any_age: bool = False,
) -> Outcome:
    """Verify and store one SNS message; raises a ``Rejection`` subclass when it is refused.

    ``any_age`` lifts BOUNCY_MAX_AGE: for bouncy_replay and the SQS poller, whose messages were
    saved or queued earlier by design.
    """
    conf = get_settings()
    check_size(body, conf)
    message = envelope.parse(body)
    check_topic(message, conf)
    if not any_age:
        check_age(message, conf)
    sns.verify(message, certificate_source)
    content, parse_error = read_content(message)
    if dry_run:
        return _outcome(Status.VERIFIED, message, content, rows=content.row_count if content else 0)
    recorded = recording.record(message, content, parse_error)
    if not recorded.created:
        return _outcome(Status.DUPLICATE, message, content)
    detail = parse_error or _after_store(recorded.notification)
    outcome = _outcome(Status.STORED, message, content, rows=recorded.rows, detail=detail)
    logger.info("bouncy: %s", outcome.summary())
    return outcome


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


def read_content(message: SnsMessage) -> tuple[SesContent | None, str]:
    """The SES content of a Notification, or None and the reason it could not be read."""
    if message.type != envelope.MessageType.NOTIFICATION:
        return None, ""
    try:
        content = events.parse(message.message, received=message.timestamp)
    except SesParseError as exc:
        logger.warning("bouncy: %s carries no SES JSON (kept raw): %s", message.message_id, exc)
        return None, str(exc)
    if content.kind not in events.KNOWN_TYPES:
        logger.warning("bouncy: unknown SES type %r in %s, stored as an Event",
                       content.kind, message.message_id)
    return content, ""


def _after_store(notification: Notification) -> str:
    if notification.type == envelope.MessageType.NOTIFICATION:
        return ""
    return subscriptions.handle(notification)


def _outcome(
    status: Status, message: SnsMessage, content: SesContent | None, rows: int = 0, detail: str = ""
) -> Outcome:
    kind = content.kind if content else ""
    return Outcome(status, message.type, message.message_id, kind, rows, detail)
