"""A campaign's queued Email rows: hold them (pause), release them (resume), fail them (cancel).

A held row has post_office status NULL: ``mailer.queue.due()`` claims only queued/requeued
rows, so a held row is never claimed, and nothing else in post_office or Mailroom sets NULL on
a low-priority row. A row a worker had already claimed may still be sent (its outcome is
recorded over the NULL); one it gives back stays held.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from post_office.models import STATUS, Email, Log

from mailer.campaigns.models import Campaign
from mailer.queue import PENDING

HELD = None
CANCELLED_MESSAGE = "campaign cancelled"
CHUNK = 2000


def emails_of(campaign: Campaign) -> QuerySet[Email]:
    """Every Email row a recipient of ``campaign`` points at."""
    return Email.objects.filter(campaign_recipient__campaign=campaign)


def hold(campaign: Campaign, now: datetime) -> int:
    """Take the campaign's pending emails out of the queue; returns how many."""
    return emails_of(campaign).filter(status__in=PENDING).update(status=HELD, last_updated=now)


def release(campaign: Campaign, now: datetime) -> int:
    """Put the campaign's held emails back in the queue; returns how many."""
    held = emails_of(campaign).filter(status__isnull=True)
    return held.update(status=STATUS.queued, last_updated=now)


def fail_unsent(campaign: Campaign, now: datetime) -> int:
    """Fail every pending or held email of the campaign, logging "campaign cancelled".

    Rows are locked (in id order, as workers lock them) before they are failed: the lock
    re-checks the status, so an email a worker recorded as sent meanwhile stays sent.
    """
    unsent = emails_of(campaign).filter(Q(status__in=PENDING) | Q(status__isnull=True))
    locking = unsent.order_by("id").select_for_update(of=("self",))
    total = 0
    while ids := list(locking.values_list("id", flat=True)[:CHUNK]):
        Email.objects.filter(id__in=ids).update(status=STATUS.failed, last_updated=now)
        Log.objects.bulk_create(_log(i) for i in ids)
        total += len(ids)
    return total


def _log(email_id: int) -> Log:
    return Log(email_id=email_id, status=STATUS.failed, message=CANCELLED_MESSAGE,
               exception_type="CampaignCancelled")
