"""Service: turn stored notifications into their rows and hand them to the receivers, in batches.

``process_pending(n)`` takes up to n notifications still waiting (oldest first, skipping any
another process holds), stores their Bounce, Complaint, Delivery and Event rows, sends
``feedback_batch`` (and ``feedback`` per row), stores each received message (``Received``, once
per SES message id) and sends ``received`` for it, and marks them processed, all in one
transaction.
If the process dies halfway, nothing of it stays: the notifications wait for the next batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bouncy import events
from bouncy.exceptions import SesParseError
from bouncy.models import (
    Bounce,
    Complaint,
    Delivery,
    Event,
    MailFeedback,
    Notification,
    ReceivedMessage,
    RecipientFeedback,
)
from bouncy.signals import feedback, feedback_batch, received

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

logger = logging.getLogger(__name__)

# What a notification makes: feedback rows, or the message SES received.
Row = MailFeedback | ReceivedMessage
_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class Processed:
    """What one batch did."""

    notifications: int = 0
    rows: int = 0

    def __bool__(self) -> bool:
        return bool(self.notifications)

    def __add__(self, other: Processed) -> Processed:
        return Processed(self.notifications + other.notifications, self.rows + other.rows)


def pending() -> QuerySet[Notification]:
    """Notifications whose rows are still to be made, oldest first."""
    return Notification.objects.filter(processed_at__isnull=True).order_by("id")


def process_pending(limit: int) -> Processed:
    """Make and hand over the rows of up to ``limit`` waiting notifications, in one transaction."""
    with transaction.atomic():
        batch = list(
            pending().select_for_update(skip_locked=True).only("id", "body", "timestamp")[:limit]
        )
        if not batch:
            return Processed()
        stored = _store_rows(batch)
        rows = [row for row in stored if isinstance(row, MailFeedback)]
        for row in rows:
            feedback.send(sender=type(row), instance=row)
        feedback_batch.send(sender=Notification, rows=rows)
        for message in stored:
            if isinstance(message, ReceivedMessage):
                received.send(sender=ReceivedMessage, instance=message)
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
            processed_at=timezone.now()
        )
    return Processed(len(batch), len(stored))


def _store_rows(batch: list[Notification]) -> list[Row]:
    """Every new row of the batch, in arrival order; one INSERT per model."""
    rows = _unseen([row for notification in batch for row in _rows(notification)])
    for model in (Bounce, Complaint, Delivery, Event, ReceivedMessage):
        _insert(model, rows)
    return rows


def _insert(model: type[_M], rows: list[Row]) -> None:
    objs = [row for row in rows if isinstance(row, model)]
    if objs:
        model._default_manager.bulk_create(objs)  # sets each row's id (PostgreSQL, SQLite ≥ 3.35)


def _rows(notification: Notification) -> list[Row]:
    try:
        message = json.loads(notification.body)["Message"]
        content = events.parse(message, received=notification.timestamp)
    except (SesParseError, ValueError, KeyError, TypeError) as exc:
        logger.warning("bouncy: notification %s has no SES rows: %s", notification.pk, exc)
        return []
    common = {"notification": notification, "mail_id": content.mail.message_id}
    return [
        *(Bounce(**common, **_values(r)) for r in content.bounces),
        *(Complaint(**common, **_values(r)) for r in content.complaints),
        *(Delivery(**common, **_values(r)) for r in content.deliveries),
        *(Event(**common, **_values(r)) for r in content.others),
        *_received(notification, content),
    ]


def _received(notification: Notification, content: events.SesContent) -> list[ReceivedMessage]:
    mail = content.received
    if mail is None:
        return []
    values = _values(mail)
    for name, status in values.pop("verdicts").items():
        values[f"{name}_verdict"] = status
    values["headers"] = [list(pair) for pair in mail.headers]
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    values["mail_id"] = mail.mail_id or f"(none: notification {notification.pk})"
    return [ReceivedMessage(notification=notification, **values)]


def _unseen(rows: list[Row]) -> list[Row]:
    """``rows`` without the SES events stored already, or earlier in this batch.

    An event is a bounce or complaint (its ``feedbackId`` and recipient) or a delivery (the SES
    message id and recipient), or a received message (its SES message id): the same one in
    another SNS envelope adds no row. One query per
    model for the whole batch; on PostgreSQL transaction-level advisory locks on the SES message
    ids make two batches holding copies of one event wait for each other.
    """
    keyed = [row for row in rows if type(row) in _KEYED and row.mail_id]
    mail_ids = sorted({row.mail_id for row in keyed})
    if not mail_ids:
        return rows
    _lock(mail_ids)
    seen: set[tuple[type[Row], tuple[str, ...]]] = {
        (model, key)
        for model, field in _IDENTITY.items()
        for key in _stored(model, field, mail_ids)
    }
    received = ReceivedMessage.objects.filter(mail_id__in=mail_ids)
    seen |= {(ReceivedMessage, (m,)) for m in received.values_list("mail_id", flat=True)}
    fresh = []
    for row in rows:
        identity = _identity(row)
        if identity is None:
            fresh.append(row)
        elif (key := (type(row), identity)) not in seen:
            fresh.append(row)
            seen.add(key)
    return fresh


# Which field, with the recipient, names an SES event (None: not deduplicated).
_IDENTITY: dict[type[RecipientFeedback], str] = {
    Bounce: "feedback_id",
    Complaint: "feedback_id",
    Delivery: "mail_id",
}
# A received message is named by its SES message id alone (two rules may publish it).
_KEYED = (*_IDENTITY, ReceivedMessage)


def _identity(row: Row) -> tuple[str, ...] | None:
    if isinstance(row, ReceivedMessage):
        return (row.mail_id,)
    if not isinstance(row, RecipientFeedback):
        return None  # an Event: not deduplicated
    field = _IDENTITY.get(type(row))
    value = getattr(row, field, "") if field else ""
    return (row.mail_id, value, row.address) if value and row.mail_id else None


def _stored(
    model: type[RecipientFeedback], field: str, mail_ids: list[str]
) -> list[tuple[str, str, str]]:
    found = model._default_manager.filter(mail_id__in=mail_ids).exclude(**{field: ""})
    return list(found.values_list("mail_id", field, "address"))


def _lock(mail_ids: list[str]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite writes one transaction at a time
    keys = sorted(_lock_key(mail_id) for mail_id in mail_ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])


def _lock_key(mail_id: str) -> int:
    digest = hashlib.blake2b(f"bouncy:{mail_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _values(record: DataclassInstance) -> dict[str, Any]:
    """A record's fields as model keyword arguments (shallow: no deep copy of event data)."""
    values = {f.name: getattr(record, f.name) for f in fields(record)}
    if "addresses" in values:
        values["addresses"] = list(values["addresses"])
    return values
