"""Enrolment: give audience members a pending recipient row, a keyset chunk at a time."""

from __future__ import annotations

from django.db import connection

from mailer.campaigns.models import AudienceMember, Campaign, CampaignRecipient

# One INSERT from an id array instead of a model instance per row (the ORM's per-row cost).
ENROL_SQL = """
INSERT INTO campaigns_campaignrecipient (campaign_id, member_id, state, error, opens, clicks)
SELECT %s, m, %s, '', 0, 0 FROM unnest(%s::bigint[]) AS m
ON CONFLICT DO NOTHING
"""


def enrol_next(campaign: Campaign, size: int) -> int:
    """Add the next ``size`` members after ``campaign.enrol_cursor`` as pending recipients.

    Idempotent (the unique (campaign, member) constraint ignores rows that exist). Moves the
    cursor and sets ``enrolled`` on ``campaign`` in memory; the caller saves them in the same
    transaction. Returns how many members the chunk had.
    """
    members = AudienceMember.objects.filter(audience_id=campaign.audience_id)
    later = members.filter(id__gt=campaign.enrol_cursor).order_by("id")
    ids = list(later.values_list("id", flat=True)[:size])
    _insert_pending(campaign.id, ids)
    campaign.enrol_cursor = ids[-1] if ids else campaign.enrol_cursor
    campaign.enrolled = len(ids) < size
    return len(ids)


def enrol_rest(campaign: Campaign, size: int) -> int:
    """Enrol every member not enrolled yet, chunk by chunk (cancel records them all)."""
    total = 0
    while not campaign.enrolled:
        total += enrol_next(campaign, size)
    return total


def _insert_pending(campaign_id: int, member_ids: list[int]) -> None:
    if connection.vendor != "postgresql":
        CampaignRecipient.objects.bulk_create(
            [CampaignRecipient(campaign_id=campaign_id, member_id=i) for i in member_ids],
            ignore_conflicts=True,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(ENROL_SQL, [campaign_id, CampaignRecipient.State.PENDING, member_ids])
