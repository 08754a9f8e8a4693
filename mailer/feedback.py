"""Receiver of bouncy's ``feedback`` signal: link rows to sent Emails, feed the suppression list."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import models
from django.dispatch import receiver
from django.utils import timezone

from bouncy.signals import feedback
from mailer import soft_bounces
from mailer.addresses import address_or_none
from mailer.feedback_links import link_rows
from mailer.models import Unsubscribe
from mailer.suppression_list import Entry, suppress

logger = logging.getLogger(__name__)

Reason = Unsubscribe.Reason
SES_SUPPRESSED_SUBTYPES = frozenset({"Suppressed", "OnAccountSuppressionList"})
SOURCE_PREFIX = "bouncy notification #"


@receiver(feedback, dispatch_uid="mailer.feedback")
def on_feedback(sender: type[models.Model], instance: models.Model, **kwargs) -> None:
    """Runs inside bouncy's storage transaction: an error here rolls the notification back."""
    if sender._meta.app_label != "bouncy":
        return
    link_rows([instance])
    handler = HANDLERS.get(sender._meta.model_name)
    if handler is not None:
        handler(instance)


def on_bounce(row: models.Model) -> None:
    """SES-suppressed and hard bounces suppress at once; transient ones are counted."""
    address = _address(row)
    if address is None:
        return
    source = _source(row, f"{row.bounce_type}/{row.bounce_subtype or '-'} bounce")
    if row.bounce_subtype in SES_SUPPRESSED_SUBTYPES:
        suppress(Entry(address, Reason.SES_SUPPRESSED, source=source))
    elif row.hard or row.bounce_type == "Permanent":
        suppress(Entry(address, Reason.HARD_BOUNCE, source=source))
    else:
        soft_bounces.record_transient(address, row.timestamp or timezone.now(), source)


def on_complaint(row: models.Model) -> None:
    """A complaint suppresses all mail; one about SES's own suppression list is not new."""
    address = _address(row)
    if address is None:
        return
    subtype = row.complaint_subtype
    source = _source(row, f"complaint {row.feedback_type or subtype or '(no feedback type)'}")
    reason = Reason.SES_SUPPRESSED if subtype == "OnAccountSuppressionList" else Reason.COMPLAINT
    suppress(Entry(address, reason, source=source))


def on_delivery(row: models.Model) -> None:
    """A delivery ends the address's run of transient bounces."""
    address = _address(row)
    if address is not None:
        soft_bounces.clear(address)


HANDLERS: dict[str, Callable[[models.Model], None]] = {
    "bounce": on_bounce,
    "complaint": on_complaint,
    "delivery": on_delivery,
}


def _address(row: models.Model) -> str | None:
    address = address_or_none(row.address)
    if address is None:
        kind = row._meta.model_name
        logger.warning("bouncy %s %s: cannot use address %r", kind, row.pk, row.address)
    return address


def _source(row: models.Model, what: str) -> str:
    feedback_id = getattr(row, "feedback_id", "")
    suffix = f" (feedback {feedback_id})" if feedback_id else ""
    return f"{SOURCE_PREFIX}{row.notification_id}: {what}, SES MessageId {row.mail_id}{suffix}"
