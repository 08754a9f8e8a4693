"""The campaign settings (MAILROOM_CAMPAIGN_*) as one typed object, read when used."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings as django_settings

from mailer.exceptions import MailerConfigurationError


@dataclass(frozen=True)
class CampaignSettings:
    """How fan-out chunks its work and how it waits for the daily quota."""

    chunk_size: int
    steps_per_task: int
    quota_recheck_seconds: float
    stale_seconds: float
    rate_window_seconds: float


def get_campaign_settings() -> CampaignSettings:
    """Read the settings now; a chunk size or step count below 1 raises, naming the setting."""
    s = django_settings
    chunk = getattr(s, "MAILROOM_CAMPAIGN_CHUNK_SIZE", 5000)
    if chunk < 1:
        raise MailerConfigurationError(f"MAILROOM_CAMPAIGN_CHUNK_SIZE is {chunk}: set 1 or more.")
    steps = getattr(s, "MAILROOM_CAMPAIGN_STEPS_PER_TASK", 8)
    if steps < 1:
        raise MailerConfigurationError(
            f"MAILROOM_CAMPAIGN_STEPS_PER_TASK is {steps}: set 1 or more."
        )
    return CampaignSettings(
        chunk_size=chunk,
        steps_per_task=steps,
        quota_recheck_seconds=getattr(s, "MAILROOM_CAMPAIGN_QUOTA_RECHECK_SECONDS", 300.0),
        stale_seconds=getattr(s, "MAILROOM_CAMPAIGN_STALE_SECONDS", 60.0),
        rate_window_seconds=60.0,
    )
