"""Service: store a verified SNS message once, in one statement; its rows come later, in batches.

The webhook answers as soon as the notification is stored: turning it into Bounce, Complaint,
Delivery and Event rows and applying them (suppression, counters) is ``bouncy.processing``'s
job, off the request, many notifications at a time. The stored notification is the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from bouncy.envelope import MessageType, SnsMessage
from bouncy.events import SesContent
from bouncy.models import Notification
from bouncy.signals import stored

_FIELDS = [f for f in Notification._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True)
class Recorded:
    """What ``record`` did: the Notification row, whether it is new, and the rows it will make."""

    notification: Notification
    created: bool
    rows: int = 0


def record(message: SnsMessage, content: SesContent | None, parse_error: str = "") -> Recorded:
    """Store ``message`` once per SNS MessageId; a redelivery returns the stored row unchanged."""
    notification = _notification(message, content, parse_error)
    if not _insert_once(notification):
        found = Notification.objects.filter(sns_message_id=message.message_id).first()
        if found is None:  # deleted between the two statements: store it again
            return record(message, content, parse_error)
        return Recorded(found, created=False)
    if notification.processed_at is None:
        transaction.on_commit(lambda: stored.send(sender=Notification, notification=notification))
    return Recorded(notification, created=True, rows=content.row_count if content else 0)


def _insert_once(notification: Notification) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: one round trip, and True if it was new.

    Written out because Django's ``bulk_create(ignore_conflicts=True)`` runs the same INSERT but
    does not say whether the row went in, and ``save()`` inside ``atomic()`` takes three round
    trips and turns a redelivery into an error to catch; compiling the query on every request
    also cost a third of the request's CPU.
    """
    params = [f.get_db_prep_save(getattr(notification, f.attname), connection) for f in _FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        returned = cursor.fetchone()
    if returned is None:
        return False
    notification.pk = returned[0]
    notification._state.adding = False
    return True


@lru_cache(maxsize=4)
def _insert_sql(vendor: str = "") -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in _FIELDS)
    values = ", ".join(["%s"] * len(_FIELDS))
    return (
        f"INSERT INTO {qn(Notification._meta.db_table)} ({columns}) VALUES ({values}) "
        f"ON CONFLICT DO NOTHING RETURNING {qn(Notification._meta.pk.column)}"
    )


def _notification(
    message: SnsMessage, content: SesContent | None, parse_error: str
) -> Notification:
    """The row; one with nothing to make rows from is processed as it is stored."""
    waits = message.type == MessageType.NOTIFICATION and content is not None
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
        processed_at=None if waits else timezone.now(),
    )
