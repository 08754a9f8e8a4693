"""Bring recipient states up to date with their Email/Delivery outcome, in bulk SQL.

Workers record outcomes on post_office's Email and Mailroom's Delivery (``mailer.sending``,
unchanged); here a few UPDATE statements per campaign copy them onto recipients that are
still queued (or cancelled while their email was already in a worker's hands).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from post_office.models import STATUS

from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.models import Delivery

State = CampaignRecipient.State
ACTIVE = (Campaign.Status.SENDING, Campaign.Status.PAUSED, Campaign.Status.CANCELLED)
UNFINISHED = (State.PENDING, State.QUEUED)


def sync(campaign_id: int) -> bool:
    """Sync the recipients, then mark the campaign done if nothing is left to send (True)."""
    sync_recipients(campaign_id)
    return finish_if_done(campaign_id)


def sync_recipients(campaign_id: int) -> int:
    """Update the campaign's recipients from their emails' outcomes; returns rows changed."""
    recipients = CampaignRecipient.objects.filter(campaign_id=campaign_id)
    return _sent(recipients) + _suppressed(recipients) + _failed(recipients)


def _delivery(field: str) -> Subquery:
    return Subquery(Delivery.objects.filter(email_id=OuterRef("email_id")).values(field)[:1])


def _error() -> Coalesce:
    return Coalesce(_delivery("error"), Value(""))


def _sent(recipients: QuerySet[CampaignRecipient]) -> int:
    sent = recipients.filter(state__in=[State.QUEUED, State.CANCELLED], email__status=STATUS.sent)
    return sent.update(state=State.SENT, error="", sent_at=_delivery("sent_at"))


def _suppressed(recipients: QuerySet[CampaignRecipient]) -> int:
    dropped = recipients.filter(
        state=State.QUEUED, email__status=STATUS.failed,
        email__delivery__state=Delivery.State.SUPPRESSED,
    )
    return dropped.update(state=State.SUPPRESSED, error=_error())


def _failed(recipients: QuerySet[CampaignRecipient]) -> int:
    failed = recipients.filter(state=State.QUEUED, email__status=STATUS.failed)
    lost = recipients.filter(state=State.QUEUED, email__isnull=True)
    return failed.update(state=State.FAILED, error=_error()) + lost.update(
        state=State.FAILED, error="Its email row was deleted before it was sent."
    )


def finish_if_done(campaign_id: int) -> bool:
    """Mark a sending, fully enrolled campaign with no pending or queued recipient done."""
    unfinished = CampaignRecipient.objects.filter(campaign_id=OuterRef("pk"), state__in=UNFINISHED)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(
            pk=campaign_id, status=Campaign.Status.SENDING, enrolled=True
        )
        if campaign.first() is None:
            return False
        return bool(campaign.filter(~Exists(unfinished)).update(
            status=Campaign.Status.DONE, finished=timezone.now()
        ))
