"""Apply bouncy's feedback to campaign recipients, matched by SES MessageId."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import models
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from bouncy.models import Bounce, Complaint, Delivery, Event
from mailer.campaigns.models import CampaignRecipient

State = CampaignRecipient.State
NOT_A_NEW_COMPLAINT = "OnAccountSuppressionList"


class Kind(StrEnum):
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"


@dataclass(frozen=True)
class Feedback:
    """One fact SES reported about one sent message."""

    kind: Kind
    mail_id: str
    at: datetime
    detail: str = ""


def from_row(row: models.Model) -> Feedback | None:
    """The campaign-relevant fact in a bouncy row, or None (soft bounce, other event types)."""
    if isinstance(row, Bounce):
        detail = f"Bounced ({row.bounce_type}/{row.bounce_subtype}): {row.diagnostic_code}"
        return Feedback(Kind.BOUNCED, row.mail_id, row.timestamp, detail) if row.hard else None
    if isinstance(row, Complaint):
        new = row.complaint_subtype != NOT_A_NEW_COMPLAINT
        return Feedback(Kind.COMPLAINED, row.mail_id, row.timestamp, "Complained") if new else None
    if isinstance(row, Delivery):
        return Feedback(Kind.DELIVERED, row.mail_id, row.timestamp)
    if isinstance(row, Event) and row.event_type in ("Open", "Click"):
        kind = Kind.OPENED if row.event_type == "Open" else Kind.CLICKED
        return Feedback(kind, row.mail_id, row.timestamp)
    return None


def apply(feedback: Feedback, email_id: int) -> int:
    """Record ``feedback`` on the campaign recipient of Email ``email_id``, if there is one.

    The Email is the one SES accepted as ``feedback.mail_id`` (mailer.feedback_links):
    keyed on it, this is one lookup in a unique index instead of a join through Delivery.
    """
    recipients = CampaignRecipient.objects.filter(email_id=email_id)
    return _APPLY[feedback.kind](recipients, feedback)


def _bounced(recipients: QuerySet[CampaignRecipient], feedback: Feedback) -> int:
    sent = recipients.filter(state__in=[State.QUEUED, State.SENT, State.CANCELLED])
    return sent.update(state=State.BOUNCED, error=feedback.detail)


def _complained(recipients: QuerySet[CampaignRecipient], feedback: Feedback) -> int:
    sent = recipients.filter(state__in=[State.QUEUED, State.SENT, State.CANCELLED, State.BOUNCED])
    return sent.update(state=State.COMPLAINED, error=feedback.detail)


def _delivered(recipients: QuerySet[CampaignRecipient], feedback: Feedback) -> int:
    return recipients.filter(delivered_at__isnull=True).update(delivered_at=feedback.at)


def _counter(count: str, first: str) -> Callable[[QuerySet[CampaignRecipient], Feedback], int]:
    def apply_event(recipients: QuerySet[CampaignRecipient], feedback: Feedback) -> int:
        return recipients.update(**{count: F(count) + 1, first: Coalesce(F(first), feedback.at)})

    return apply_event


_APPLY = {
    Kind.BOUNCED: _bounced,
    Kind.COMPLAINED: _complained,
    Kind.DELIVERED: _delivered,
    Kind.OPENED: _counter("opens", "opened_at"),
    Kind.CLICKED: _counter("clicks", "clicked_at"),
}
