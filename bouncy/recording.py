"""Service: store a verified SNS message and its SES rows once; send ``feedback`` per row."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db import IntegrityError, models, transaction

from bouncy.envelope import SnsMessage
from bouncy.events import SesContent
from bouncy.models import Bounce, Complaint, Delivery, Event, Notification
from bouncy.signals import feedback


@dataclass(frozen=True)
class Recorded:
    """What ``record`` did: the Notification row, whether it is new, and the rows it added."""

    notification: Notification
    created: bool
    rows: int = 0


def record(message: SnsMessage, content: SesContent | None, parse_error: str = "") -> Recorded:
    """Store ``message`` once per SNS MessageId; a redelivery returns the stored row unchanged."""
    try:
        with transaction.atomic():
            notification = _notification(message, content, parse_error)
            notification.save(force_insert=True)  # first statement: a duplicate fails here
            rows = _store_rows(notification, content) if content else []
            for row in rows:
                feedback.send(sender=type(row), instance=row)
    except IntegrityError:
        stored = Notification.objects.filter(sns_message_id=message.message_id).first()
        if stored is None:  # not a duplicate: some other constraint failed
            raise
        return Recorded(stored, created=False)
    return Recorded(notification, created=True, rows=len(rows))


def _notification(
    message: SnsMessage, content: SesContent | None, parse_error: str
) -> Notification:
    return Notification(
        sns_message_id=message.message_id,
        type=message.type,
        topic_arn=message.topic_arn,
        subject=message.subject,
        timestamp=message.timestamp,
        kind=content.kind if content else "",
        ses_format=content.format if content else "",
        mail_id=content.mail.message_id if content else "",
        signature_version=message.signature_version,
        signing_cert_url=message.signing_cert_url,
        subscribe_url=message.subscribe_url,
        body=message.body,
        parse_error=parse_error,
    )


def _store_rows(notification: Notification, content: SesContent) -> list[models.Model]:
    """Bulk-insert the per-recipient rows (PostgreSQL returns their ids) in a stable order."""
    common = {"notification": notification, "mail_id": content.mail.message_id}
    batches = (
        (Bounce, [Bounce(**common, **_values(r)) for r in content.bounces]),
        (Complaint, [Complaint(**common, **_values(r)) for r in content.complaints]),
        (Delivery, [Delivery(**common, **_values(r)) for r in content.deliveries]),
        (Event, [Event(**common, **_values(r)) for r in content.others]),
    )
    rows: list[models.Model] = []
    for model, objs in batches:
        if objs:
            rows += model.objects.bulk_create(objs)
    return rows


def _values(record: object) -> dict[str, Any]:
    """A record's fields as model keyword arguments (shallow: no deep copy of event data)."""
    values = {f.name: getattr(record, f.name) for f in fields(record)}
    if "addresses" in values:
        values["addresses"] = list(values["addresses"])
    return values
