"""Receivers of bouncy's signals: wake the feedback batch; apply a batch to the suppression list.

A batch (``bouncy.processing``, run by the ``mailer.apply_feedback`` task) hands over every row
it stored, in arrival order. Here they are linked to their Emails (``mailer.queue.feedback_links``,
which also updates campaigns) and turned into suppressions and soft-bounce runs in a few
statements for the whole batch, with the same result as applying the rows one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from bouncy.models import Bounce, Complaint, MailFeedback, Notification, RecipientFeedback
from bouncy.models import Delivery as Delivered
from bouncy.signals import feedback_batch, stored
from mailer.models import Unsubscribe
from mailer.queue.feedback_links import link_rows
from mailer.sending import wakeup
from mailer.suppression import soft_bounces
from mailer.suppression.addresses import address_or_none
from mailer.suppression.soft_bounces import Observed
from mailer.suppression.store import Entry, suppress_in_order

logger = logging.getLogger(__name__)

Reason = Unsubscribe.Reason
SES_SUPPRESSED_SUBTYPES = frozenset({"Suppressed", "OnAccountSuppressionList"})
SOURCE_PREFIX = "bouncy notification #"
Effect = Entry | Observed


@receiver(stored, sender=Notification, dispatch_uid="mailer.feedback_wake")
def on_stored(sender: type[Notification], **kwargs: Any) -> None:
    """A notification was stored: make sure a batch will apply it (one wake-up per burst)."""
    wakeup.request_feedback()


@receiver(feedback_batch, sender=Notification, dispatch_uid="mailer.feedback")
def on_feedback_batch(sender: type[Notification], rows: list[MailFeedback], **kwargs: Any) -> None:
    """Runs inside the batch's transaction: an error here leaves its notifications waiting."""
    link_rows(rows)
    apply(rows)


def apply(rows: Sequence[MailFeedback]) -> None:
    """Suppressions and soft-bounce runs for ``rows``, as if applied one at a time in order."""
    effects = [effect for row in rows if (effect := effect_of(row)) is not None]
    counted = [i for i, effect in enumerate(effects) if isinstance(effect, Observed)]
    came_due = soft_bounces.apply_many([e for e in effects if isinstance(e, Observed)])
    limits = {counted[j]: (entry, at) for j, entry, at in came_due}
    now = _now()
    suppressions = [
        (effect, now) if isinstance(effect, Entry) else limits[i]
        for i, effect in enumerate(effects)
        if isinstance(effect, Entry) or i in limits
    ]
    if suppressions:  # in stream order: the first suppression of an address is the one kept
        suppress_in_order(suppressions)


def effect_of(row: MailFeedback) -> Effect | None:
    """What one row does: a suppression, a transient bounce or delivery to count, or nothing."""
    if not isinstance(row, Bounce | Complaint | Delivered):
        return None
    address = _address(row)
    if address is None:
        return None
    if isinstance(row, Delivered):
        return Observed(address, row.timestamp, delivered=True)
    if isinstance(row, Complaint):
        return _complaint(row, address)
    return _bounce(row, address)


def _bounce(row: Bounce, address: str) -> Effect:
    """SES-suppressed and hard bounces suppress at once; transient ones are counted."""
    source = _source(row, f"{row.bounce_type}/{row.bounce_subtype or '-'} bounce")
    if row.bounce_subtype in SES_SUPPRESSED_SUBTYPES:
        return Entry(address, Reason.SES_SUPPRESSED, source=source)
    if row.hard or row.bounce_type == "Permanent":
        return Entry(address, Reason.HARD_BOUNCE, source=source)
    return Observed(address, row.timestamp or _now(), source)


def _complaint(row: Complaint, address: str) -> Entry:
    """A complaint suppresses all mail; one about SES's own suppression list is not new."""
    subtype = row.complaint_subtype
    source = _source(row, f"complaint {row.feedback_type or subtype or '(no feedback type)'}")
    reason = Reason.SES_SUPPRESSED if subtype == "OnAccountSuppressionList" else Reason.COMPLAINT
    return Entry(address, reason, source=source)


def _address(row: RecipientFeedback) -> str | None:
    address = address_or_none(row.address)
    if address is None:
        kind = row._meta.model_name
        logger.warning("bouncy %s %s: cannot use address %r", kind, row.pk, row.address)
    return address


def _source(row: MailFeedback, what: str) -> str:
    feedback_id = getattr(row, "feedback_id", "")
    suffix = f" (feedback {feedback_id})" if feedback_id else ""
    return f"{SOURCE_PREFIX}{row.notification_id}: {what}, SES MessageId {row.mail_id}{suffix}"


def _now() -> datetime:
    return timezone.now()
