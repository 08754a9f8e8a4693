"""Mailroom's settings as one typed object, read from django.conf.settings when used."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings as django_settings


@dataclass(frozen=True)
class MailerSettings:
    """The MAILROOM_* settings (environment names in the README)."""

    max_send_rate: float | None
    rate_headroom: float
    lease_seconds: int
    batch_size: int
    send_threads: int
    max_retries: int
    redis_url: str
    configuration_set: str | None


def get_settings() -> MailerSettings:
    """Read the settings now (cheap; tests override them with ``override_settings``)."""
    s = django_settings
    return MailerSettings(
        max_send_rate=getattr(s, "MAILROOM_MAX_SEND_RATE", None),
        rate_headroom=getattr(s, "MAILROOM_RATE_HEADROOM", 1.0),
        lease_seconds=getattr(s, "MAILROOM_LEASE_SECONDS", 300),
        batch_size=getattr(s, "MAILROOM_BATCH_SIZE", 50),
        send_threads=getattr(s, "MAILROOM_SEND_THREADS", 8),
        max_retries=getattr(s, "MAILROOM_MAX_RETRIES", 3),
        redis_url=getattr(s, "REDIS_URL", "redis://127.0.0.1:6379/0"),
        configuration_set=getattr(s, "AWS_SES_CONFIGURATION_SET", None),
    )
