"""The one module that reads and controls the campaigns app on the guard's behalf."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from mailer.campaigns import control
from mailer.campaigns.exceptions import CampaignError
from mailer.campaigns.models import Campaign
from mailer.reputation.exceptions import CampaignControlError

logger = logging.getLogger(__name__)

# From a mailer.Delivery row to its campaign's id (NULL for mail outside campaigns).
CAMPAIGN_OF_DELIVERY = "email__campaign_recipient__campaign"


def running() -> dict[int, str]:
    """The campaigns now sending: id -> name."""
    rows = Campaign.objects.filter(status=Campaign.Status.SENDING).order_by("id")
    return dict(rows.values_list("id", "name"))


def paused(ids: Iterable[int]) -> dict[int, str]:
    """Which of ``ids`` are paused now: id -> name."""
    rows = Campaign.objects.filter(id__in=list(ids), status=Campaign.Status.PAUSED).order_by("id")
    return dict(rows.values_list("id", "name"))


def names(ids: Iterable[int]) -> dict[int, str]:
    """The names of the campaigns ``ids`` (deleted ones are missing)."""
    return dict(Campaign.objects.filter(id__in=list(ids)).values_list("id", "name"))


def pause(campaign_id: int) -> str:
    """Pause one sending campaign (its queued emails are held); returns its name."""
    try:
        return control.pause(campaign_id).name
    except CampaignError as exc:
        raise CampaignControlError(f"Could not pause campaign {campaign_id}: {exc}") from exc


def pause_running() -> dict[int, str]:
    """Pause every sending campaign; one that cannot be paused is logged and skipped."""
    done: dict[int, str] = {}
    for campaign_id in running():
        try:
            done[campaign_id] = pause(campaign_id)
        except CampaignControlError:
            logger.exception("The reputation guard could not pause campaign %s", campaign_id)
    return done


def resume(campaign_id: int) -> str:
    """Resume one paused campaign; returns its name."""
    try:
        return control.resume(campaign_id).name
    except CampaignError as exc:
        raise CampaignControlError(f"Could not resume campaign {campaign_id}: {exc}") from exc
