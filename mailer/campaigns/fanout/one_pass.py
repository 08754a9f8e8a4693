"""Enrol and queue a chunk in one pass: recipient rows are written once, already queued.

A chunk goes through three stages, so that mailer.campaigns.fanout can compose one chunk
while it writes the one before:

- ``read``: the members after a cursor, their suppressions and a block of Email ids
  (database reads, in the caller's locked transaction);
- ``compose``: their Email and recipient COPY rows (no database: any thread);
- ``write``: both COPYs and the moved cursor (in the caller's locked transaction).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from post_office.models import Email

from mailer.campaigns.fanout import copy_binary
from mailer.campaigns.fanout.composing import Composer, Pending, composer
from mailer.campaigns.fanout.copy_rows import COLUMNS as EMAIL_COLUMNS
from mailer.campaigns.fanout.copy_rows import EmailRows, allocate_ids, copy_rows
from mailer.campaigns.models import AudienceMember, Campaign, CampaignRecipient

State = CampaignRecipient.State

# Writing a pending row and then updating it touches all of the table's indexes twice;
# COPY writes each recipient once, with its final state and email.
COLUMNS = ("campaign_id", "member_id", "state", "email_id", "error", "opens", "clicks")


class Member(NamedTuple):
    """An audience member as read: its context still JSON text (decoded when composing)."""

    id: int
    address: str
    context: str


@dataclass(frozen=True)
class Chunk:
    """Members read for one chunk: where it starts and ends, and what composing needs."""

    campaign_id: int
    from_email: str
    after: int  # the enrolment cursor this chunk follows
    last: int  # its last member id: the cursor once it is written
    final: bool  # fewer members than asked for: the audience is enrolled after it
    members: list[Member]  # its members with no recipient row yet
    composer: Composer | None
    ids: list[int]  # one Email id per member


@dataclass(frozen=True)
class ChunkRows:
    """A composed chunk: its Email rows, one recipient row per member, the queued count."""

    chunk: Chunk
    emails: list[bytes]
    recipients: list[bytes]
    queued: int


@functools.cache
def recipient_encoders() -> tuple[copy_binary.Encoder, ...]:
    """The binary COPY encoder of each of COLUMNS (from CampaignRecipient's fields)."""
    return copy_binary.encoders(CampaignRecipient, COLUMNS)


def applies(campaign: Campaign, limit: int, size: int) -> bool:
    """On PostgreSQL, while enrolling with room for a whole chunk and nothing pending."""
    if connection.vendor != "postgresql" or campaign.enrolled or limit < size:
        return False
    pending = CampaignRecipient.objects.filter(campaign=campaign, state=State.PENDING)
    return not pending.exists()


def read(campaign: Campaign, after: int, size: int, now: datetime) -> Chunk:
    """The ``size`` members after ``after``, less those with a recipient row (a re-run).

    Contexts stay JSON text here: compose() decodes them, in the composing thread.
    """
    later = AudienceMember.objects.filter(audience_id=campaign.audience_id, id__gt=after)
    context = Cast("context", output_field=TextField())
    rows = list(later.order_by("id").values_list("id", "address", context)[:size])
    last = rows[-1][0] if rows else after
    known = _enrolled_between(campaign, after, last) if rows else set()
    members = [Member._make(r) for r in rows if r[0] not in known]
    return Chunk(
        campaign_id=campaign.id, from_email=campaign.from_email, after=after, last=last,
        final=len(rows) < size, members=members,
        composer=composer(campaign, [m.address for m in members], now) if members else None,
        ids=allocate_ids(len(members)) if members else [],
    )


def compose(chunk: Chunk) -> ChunkRows:
    """The chunk's COPY rows (pure Python: template errors fail only their recipient)."""
    if chunk.composer is None:
        return ChunkRows(chunk, [], [], 0)
    builder = EmailRows(chunk.composer, chunk.from_email, timezone.now())
    encoders = recipient_encoders()
    campaign, member, state, email, _, count, _ = encoders
    # A queued recipient's row: the campaign, its member, then the same queued tail.
    head = (len(COLUMNS)).to_bytes(2, "big") + campaign(chunk.campaign_id)
    queued_state, tail = state(State.QUEUED), copy_binary.EMPTY + count(0) + count(0)
    emails: list[bytes] = []
    recipients: list[bytes] = []
    for (member_id, address, context), email_id in zip(chunk.members, chunk.ids, strict=True):
        recipient = Pending(member_id, address, json.loads(context))
        outcome, error, row = builder.build(recipient, email_id)
        if row is None:
            values = (chunk.campaign_id, member_id, outcome, None, error, 0, 0)
            recipients.append(copy_binary.encode(encoders, values))
            continue
        emails.append(row)
        recipients.append(b"".join((head, member(member_id), queued_state, email(email_id), tail)))
    return ChunkRows(chunk, emails, recipients, len(emails))


def write(campaign: Campaign, rows: ChunkRows) -> int:
    """COPY the chunk's rows and move ``campaign``'s cursor (the caller saves it); queued."""
    if rows.emails:
        copy_rows(Email._meta.db_table, EMAIL_COLUMNS, rows.emails)
    if rows.recipients:
        copy_rows(CampaignRecipient._meta.db_table, COLUMNS, rows.recipients)
    campaign.enrol_cursor = rows.chunk.last
    campaign.enrolled = rows.chunk.final
    return rows.queued


def _enrolled_between(campaign: Campaign, after: int, last: int) -> set[int]:
    """Members in (after, last] with a recipient row already: a range scan of the unique index."""
    rows = CampaignRecipient.objects.filter(
        campaign=campaign, member_id__gt=after, member_id__lte=last
    )
    return set(rows.values_list("member_id", flat=True))
