"""Mailroom's settings as one typed object, read from django.conf.settings when used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings as django_settings

from mailer.exceptions import MailerConfigurationError

FALLBACK_SEND_RATE = 1.0  # recipients/s: SES's sandbox-account rate, safe for any account
# A send is started only with this much of the lease left beyond the SES call's own bound
# (connect + read timeout): the outcome is then written before the lease can run out.
LEASE_SLACK_SECONDS = 5.0
# Priority "now" waits at most this long for the shared rate, well under gunicorn's 30 s
# timeout (the SES call itself is bounded by its connect + read timeouts); then the email is
# left queued for the workers.
NOW_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class MailerSettings:
    """The MAILROOM_* settings (environment names in the README)."""

    max_send_rate: float | None
    rate_headroom: float
    lease_seconds: int
    batch_size: int
    send_threads: int
    retry_for: timedelta
    redis_url: str
    configuration_set: str | None
    transactional_share: float
    quota_pause_seconds: float
    account_probe_seconds: float
    ses_call_seconds: float
    feedback_link_window: timedelta = timedelta(minutes=60)
    feedback_batch_size: int = 500

    @property
    def stranded_after(self) -> timedelta:
        """Age past which a priority "now" email still without status was abandoned: longer
        than its web request can last (the limiter's wait, one SES call, slack)."""
        return timedelta(seconds=NOW_WAIT_SECONDS + self.lease_margin_seconds + 20)

    @property
    def lease_margin_seconds(self) -> float:
        """Lease left below which no SES call is started: the longest call, plus slack."""
        return self.ses_call_seconds + LEASE_SLACK_SECONDS

    def send_rate(self, ses_rate: float | None) -> float:
        """Recipients/s for the limiter: the override, else SES's MaxSendRate, else 1/s; scaled."""
        return (self.max_send_rate or ses_rate or FALLBACK_SEND_RATE) * self.rate_headroom


def get_settings() -> MailerSettings:
    """Read the settings now (cheap; tests override them with ``override_settings``)."""
    s = django_settings
    share = getattr(s, "MAILROOM_TRANSACTIONAL_SHARE", 0.2)
    if not 0 <= share < 1:
        raise MailerConfigurationError(
            f"MAILROOM_TRANSACTIONAL_SHARE is {share}: set a fraction from 0 up to (not incl.) 1."
        )
    return MailerSettings(
        max_send_rate=getattr(s, "MAILROOM_MAX_SEND_RATE", None),
        rate_headroom=getattr(s, "MAILROOM_RATE_HEADROOM", 1.0),
        lease_seconds=getattr(s, "MAILROOM_LEASE_SECONDS", 300),
        batch_size=getattr(s, "MAILROOM_BATCH_SIZE", 50),
        send_threads=getattr(s, "MAILROOM_SEND_THREADS", 8),
        retry_for=getattr(s, "MAILROOM_RETRY_FOR", timedelta(hours=24)),
        redis_url=getattr(s, "REDIS_URL", "redis://127.0.0.1:6379/0"),
        configuration_set=getattr(s, "AWS_SES_CONFIGURATION_SET", None),
        transactional_share=share,
        quota_pause_seconds=getattr(s, "MAILROOM_QUOTA_PAUSE_SECONDS", 600.0),
        feedback_link_window=timedelta(minutes=getattr(s, "MAILROOM_FEEDBACK_LINK_MINUTES", 60)),
        feedback_batch_size=getattr(s, "MAILROOM_FEEDBACK_BATCH_SIZE", 500),
        account_probe_seconds=getattr(s, "MAILROOM_ACCOUNT_PROBE_SECONDS", 15.0),
        ses_call_seconds=_ses_call_seconds(getattr(s, "AWS_SES_CONFIG", None)),
    )


def _ses_call_seconds(config: object) -> float:
    """The longest one SES call may last: botocore's connect + read timeouts (60 + 60 unset)."""
    connect = getattr(config, "connect_timeout", None) or 60
    read = getattr(config, "read_timeout", None) or 60
    return float(connect + read)


@dataclass(frozen=True)
class SuppressionSettings:
    """The suppression settings: unsubscribe links, the soft-bounce rule, the sync with SES."""

    base_url: str | None
    unsubscribe_mailto: str | None
    soft_bounce_limit: int
    soft_bounce_window: timedelta
    soft_bounce_grace: timedelta
    ses_push: bool
    ses_sync_seconds: float


MAX_GRACE_DAYS = 30


def get_suppression_settings() -> SuppressionSettings:
    """Read and check the suppression settings now; a wrong one raises, naming the setting."""
    s = django_settings
    limit = getattr(s, "MAILROOM_SOFT_BOUNCE_LIMIT", 3)
    window = getattr(s, "MAILROOM_SOFT_BOUNCE_WINDOW_DAYS", 7)
    grace = getattr(s, "MAILROOM_SOFT_BOUNCE_GRACE_DAYS", 14)
    _check_soft_bounce(limit, window, grace)
    return SuppressionSettings(
        base_url=getattr(s, "MAILROOM_BASE_URL", None),
        unsubscribe_mailto=getattr(s, "MAILROOM_UNSUBSCRIBE_MAILTO", None),
        soft_bounce_limit=limit,
        soft_bounce_window=timedelta(days=window),
        soft_bounce_grace=timedelta(days=grace),
        ses_push=bool(getattr(s, "MAILROOM_SES_SUPPRESSION_PUSH", False)),
        ses_sync_seconds=float(getattr(s, "MAILROOM_SES_SUPPRESSION_SYNC_SECONDS", 300.0) or 0),
    )


def _check_soft_bounce(limit: int, window: int, grace: int) -> None:
    if not 1 <= grace <= MAX_GRACE_DAYS:
        raise MailerConfigurationError(
            f"MAILROOM_SOFT_BOUNCE_GRACE_DAYS is {grace}: set 1 to {MAX_GRACE_DAYS} days."
        )
    if not 1 <= window <= grace:
        raise MailerConfigurationError(
            f"MAILROOM_SOFT_BOUNCE_WINDOW_DAYS is {window}: set 1 to "
            f"MAILROOM_SOFT_BOUNCE_GRACE_DAYS ({grace}) days."
        )
    if limit < 1:
        raise MailerConfigurationError(f"MAILROOM_SOFT_BOUNCE_LIMIT is {limit}: set 1 or more.")
