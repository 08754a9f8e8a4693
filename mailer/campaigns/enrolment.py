"""Enrolment: give audience members a pending recipient row, a keyset chunk at a time."""

from __future__ import annotations

from mailer.campaigns.models import AudienceMember, Campaign, CampaignRecipient


def enrol_next(campaign: Campaign, size: int) -> int:
    """Add the next ``size`` members after ``campaign.enrol_cursor`` as pending recipients.

    Idempotent (the unique (campaign, member) constraint ignores rows that exist). Moves the
    cursor and sets ``enrolled`` on ``campaign`` in memory; the caller saves them in the same
    transaction. Returns how many members the chunk had.
    """
    members = AudienceMember.objects.filter(audience_id=campaign.audience_id)
    later = members.filter(id__gt=campaign.enrol_cursor).order_by("id")
    ids = list(later.values_list("id", flat=True)[:size])
    CampaignRecipient.objects.bulk_create(
        [CampaignRecipient(campaign_id=campaign.id, member_id=i) for i in ids],
        ignore_conflicts=True,
    )
    campaign.enrol_cursor = ids[-1] if ids else campaign.enrol_cursor
    campaign.enrolled = len(ids) < size
    return len(ids)


def enrol_rest(campaign: Campaign, size: int) -> int:
    """Enrol every member not enrolled yet, chunk by chunk (cancel records them all)."""
    total = 0
    while not campaign.enrolled:
        total += enrol_next(campaign, size)
    return total
