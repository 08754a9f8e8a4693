"""Telling people: the log always, and the site's ADMINS by email (queued, transactional lane)."""

from __future__ import annotations

import logging

from django.core.mail import mail_admins

from mailer.reputation.conf import get_settings
from mailer.reputation.models import GuardEvent

logger = logging.getLogger("mailer.reputation")


def held(event: GuardEvent) -> None:
    """Bulk mail is held: an error in the log, and an email to the admins."""
    paused = event.campaign_names or "none running"
    logger.error("Reputation guard held bulk mail: %s. Campaigns paused: %s.", event.reason, paused)
    _mail(
        "Bulk mail held by the reputation guard",
        f"{event.reason}.\n\nCampaigns paused: {paused}.\nTransactional mail still goes out. "
        "Resume from the admin's reputation dashboard once you have looked (a note is required).",
    )


def campaign_paused(event: GuardEvent) -> None:
    """One campaign was paused alone."""
    name = event.campaign_names
    logger.error("Reputation guard paused campaign %s: %s.", name, event.reason)
    _mail(f"Campaign {name} paused by the reputation guard", f"{event.reason}.")


def warned(event: GuardEvent) -> None:
    logger.warning("Reputation warning: %s.", event.reason)


def recovered(event: GuardEvent) -> None:
    logger.info("Reputation back under the warning thresholds.")


def resumed(event: GuardEvent) -> None:
    logger.warning("Bulk mail resumed by %s: %s", event.actor_name, event.note)


def _mail(subject: str, body: str) -> None:
    if get_settings().notify_admins:
        mail_admins(subject, body, fail_silently=True)
