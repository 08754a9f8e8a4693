"""Find a campaign by name (what operators type) for the CLI."""

from __future__ import annotations

from mailer.campaigns.exceptions import CampaignNotFound
from mailer.campaigns.models import Campaign


def by_name(name: str) -> Campaign:
    """The campaign called ``name``; CampaignNotFound if there is none."""
    campaign = Campaign.objects.filter(name=name.strip()).first()
    if campaign is None:
        raise CampaignNotFound(f"Unknown campaign {name!r}.")
    return campaign
