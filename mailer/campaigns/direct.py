"""Enrol and queue a chunk in one pass: recipient rows are written once, already queued."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import connection
from django.utils import timezone
from post_office.models import Email

from mailer.campaigns import copy_text
from mailer.campaigns.composing import Pending, composer
from mailer.campaigns.email_lines import EmailLines
from mailer.campaigns.models import AudienceMember, Campaign, CampaignRecipient
from mailer.campaigns.writing import COLUMNS as EMAIL_COLUMNS
from mailer.campaigns.writing import allocate_ids, copy_lines

State = CampaignRecipient.State

# Writing a pending row and then updating it touches all five of the table's indexes twice;
# COPY writes each recipient once, with its final state and email.
COLUMNS = ("campaign_id", "member_id", "state", "email_id", "error", "opens", "clicks")


def applies(campaign: Campaign, limit: int, size: int) -> bool:
    """On PostgreSQL, while enrolling with room for a whole chunk and nothing pending."""
    if connection.vendor != "postgresql" or campaign.enrolled or limit < size:
        return False
    pending = CampaignRecipient.objects.filter(campaign=campaign, state=State.PENDING)
    return not pending.exists()


def enrol_and_queue(campaign: Campaign, size: int, now: datetime) -> int:
    """Enrol the next ``size`` members and queue them (in the caller's locked transaction).

    Members that already have a recipient row (a re-run chunk) are skipped. Moves the cursor
    and sets ``enrolled`` on ``campaign`` like enrol_next. Returns how many emails it queued.
    """
    members = AudienceMember.objects.filter(audience_id=campaign.audience_id)
    later = members.filter(id__gt=campaign.enrol_cursor).order_by("id")
    rows = list(later.values_list("id", "address", "context")[:size])
    known = _enrolled_between(campaign, campaign.enrol_cursor, rows[-1][0] if rows else 0)
    campaign.enrol_cursor = rows[-1][0] if rows else campaign.enrol_cursor
    campaign.enrolled = len(rows) < size
    pending = [Pending._make(r) for r in rows if r[0] not in known]
    return _queue(campaign, pending, now) if pending else 0


def _queue(campaign: Campaign, pending: list[Pending], now: datetime) -> int:
    """Compose while COPY streams the emails, so Python and PostgreSQL work at once."""
    ids, stamp = allocate_ids(len(pending)), timezone.now()
    lines = EmailLines(composer(campaign, pending, now), campaign.from_email, stamp)
    recipients: list[str] = []  # one COPY line per recipient, filled as emails() is read
    queued = 0

    def emails() -> Iterator[str]:
        nonlocal queued
        for recipient, email_id in zip(pending, ids, strict=True):
            state, error, email = lines.build(recipient, email_id)
            if email is None:
                recipients.append(copy_text.line((campaign.id, recipient.id, state, None,
                                                  error, 0, 0)))
                continue
            recipients.append(f"{campaign.id}\t{recipient.id}\t{state}\t{email_id}\t\t0\t0\n")
            queued += 1
            yield email

    copy_lines(Email._meta.db_table, EMAIL_COLUMNS, emails())
    copy_lines(CampaignRecipient._meta.db_table, COLUMNS, recipients)
    return queued


def _enrolled_between(campaign: Campaign, after: int, last: int) -> set[int]:
    """Members in (after, last] with a recipient row already: a range scan of the unique index."""
    rows = CampaignRecipient.objects.filter(
        campaign=campaign, member_id__gt=after, member_id__lte=last
    )
    return set(rows.values_list("member_id", flat=True))
