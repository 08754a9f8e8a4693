"""Bring recipient states up to date with their Email/Delivery outcome, in bulk SQL.

Workers record outcomes on post_office's Email and Mailroom's Delivery (``mailer.sending.batch``,
unchanged); here a few UPDATE statements per campaign copy them onto recipients that are
still queued (or cancelled while their email was already in a worker's hands).

A sync looks only at emails whose Delivery changed since the last one (``updated_at`` is
indexed), so its cost follows the sends since then, not the campaign's size: a full sync of
a million queued recipients takes seconds, and the tick and every status read sync. The
window reaches OVERLAP before the last sync, for outcomes whose transaction committed after
it began; a full sync runs first and every FULL_SYNC_INTERVAL, and it alone looks for
recipients whose Email row was deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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


OVERLAP = timedelta(seconds=60)
DELETED_EMAIL = "Its email row was deleted before it was sent."
FULL_SYNC_INTERVAL = timedelta(minutes=10)


def sync_recipients(campaign_id: int, *, full: bool = False) -> int:
    """Update the campaign's recipients from their emails' outcomes; returns rows changed."""
    started = timezone.now()
    marks = Campaign.objects.filter(pk=campaign_id).values("synced_at", "fully_synced_at").first()
    if marks is None:
        return 0
    fully_synced_at: datetime | None = marks["fully_synced_at"]
    full = full or fully_synced_at is None or started - fully_synced_at > FULL_SYNC_INTERVAL
    recipients = CampaignRecipient.objects.filter(campaign_id=campaign_id)
    if not full and marks["synced_at"] is not None:
        since = marks["synced_at"] - OVERLAP
        recipients = recipients.filter(email__delivery__updated_at__gte=since)
    changed = _sent(recipients) + _suppressed(recipients) + _failed(recipients, lost=full)
    done = {"synced_at": started, **({"fully_synced_at": started} if full else {})}
    Campaign.objects.filter(pk=campaign_id).update(**done)
    return changed


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


def _failed(recipients: QuerySet[CampaignRecipient], lost: bool) -> int:
    failed = recipients.filter(state=State.QUEUED, email__status=STATUS.failed)
    count = failed.update(state=State.FAILED, error=_error())
    if lost:
        gone = recipients.filter(state=State.QUEUED, email__isnull=True)
        count += gone.update(state=State.FAILED, error=DELETED_EMAIL)
    return count


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
