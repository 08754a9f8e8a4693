"""Service: store a verified SNS message and its SES rows once; send ``feedback`` per row.

Once per SNS MessageId (a unique constraint), and once per SES event: the same bounce or
complaint (its ``feedbackId``) or delivery (SES message id + recipient) wrapped in another SNS
envelope is kept as a Notification but adds no row and sends no signal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db import IntegrityError, connection, models, transaction

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
            rows = _store_rows(notification, _unseen(content)) if content else []
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


def _unseen(content: SesContent) -> SesContent:
    """``content`` without the bounces, complaints and deliveries already stored.

    Looked up by the SES message id (indexed); on PostgreSQL a transaction-level advisory lock
    on that id makes two copies arriving at once wait for each other (SQLite writes one at a time).
    """
    mail_id = content.mail.message_id
    if not mail_id or not (content.bounces or content.complaints or content.deliveries):
        return content
    _lock(mail_id)
    bounces = _stored(Bounce, mail_id, "feedback_id")
    complaints = _stored(Complaint, mail_id, "feedback_id")
    delivered = {address for _key, address in _stored(Delivery, mail_id, "mail_id")}
    return replace(
        content,
        bounces=tuple(r for r in content.bounces if not _seen(r, bounces)),
        complaints=tuple(r for r in content.complaints if not _seen(r, complaints)),
        deliveries=tuple(r for r in content.deliveries if r.address not in delivered),
    )


def _stored(model: type[models.Model], mail_id: str, key: str) -> set[tuple[str, str]]:
    return set(model.objects.filter(mail_id=mail_id).values_list(key, "address"))


def _seen(record: Any, stored: set[tuple[str, str]]) -> bool:
    return bool(record.feedback_id) and (record.feedback_id, record.address) in stored


def _lock(mail_id: str) -> None:
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"bouncy:{mail_id}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _values(record: object) -> dict[str, Any]:
    """A record's fields as model keyword arguments (shallow: no deep copy of event data)."""
    values = {f.name: getattr(record, f.name) for f in fields(record)}
    if "addresses" in values:
        values["addresses"] = list(values["addresses"])
    return values
