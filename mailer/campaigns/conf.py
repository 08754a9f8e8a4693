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
    return CampaignSettings(
        chunk_size=_positive_int("MAILROOM_CAMPAIGN_CHUNK_SIZE", 5000),
        steps_per_task=_positive_int("MAILROOM_CAMPAIGN_STEPS_PER_TASK", 8),
        quota_recheck_seconds=getattr(s, "MAILROOM_CAMPAIGN_QUOTA_RECHECK_SECONDS", 300.0),
        stale_seconds=getattr(s, "MAILROOM_CAMPAIGN_STALE_SECONDS", 60.0),
        rate_window_seconds=60.0,
    )


def _positive_int(name: str, default: int) -> int:
    value = getattr(django_settings, name, default)
    if value < 1:
        raise MailerConfigurationError(f"{name} is {value}: set 1 or more.")
    return value
