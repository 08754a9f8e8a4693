"""The account right now: recipients sent per second against MaxSendRate, and the daily quota.

The quota is the one the workers store at each refresh (``mailer.pacing.quota.refresh``); if none is
stored yet it is read from SES once a minute (cached), and reported as unknown if SES refuses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Sum

from mailer import aws
from mailer.exceptions import RateLimiterUnavailable, SESError
from mailer.pacing.limiter import get_limiter, get_state
from mailer.reputation.rates import recipients_of, sent

logger = logging.getLogger(__name__)
RATE_WINDOW = timedelta(seconds=60)
QUOTA_CACHE_KEY = "reputation:ses_quota"
QUOTA_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Throughput:
    """Recipients/s over the last minute, the paced and SES rates, and the 24-hour quota."""

    rate: float
    pacing_rate: float | None
    max_send_rate: float | None
    sent_last_24_hours: float | None
    max_24_hour_send: float | None
    quota_source: str

    @property
    def quota_used(self) -> float | None:
        """Fraction of the 24-hour quota used (None if unknown or unlimited)."""
        if self.sent_last_24_hours is None or not self.max_24_hour_send:
            return None
        if self.max_24_hour_send < 0:
            return None
        return self.sent_last_24_hours / self.max_24_hour_send


def current_rate(now: datetime) -> float:
    """Recipients SES accepted per second over the last minute."""
    total = sent(now - RATE_WINDOW).aggregate(n=Sum(recipients_of("recipients")))["n"] or 0
    return total / RATE_WINDOW.total_seconds()


def _stored_quota() -> aws.Quota | None:
    try:
        return get_state().quota()
    except RateLimiterUnavailable:
        return None


def _ses_quota() -> aws.Quota | None:
    cached: aws.Quota | bool | None = cache.get(QUOTA_CACHE_KEY)
    if cached is not None:
        return cached if isinstance(cached, aws.Quota) else None
    quota = _ask_ses()
    # A failure is cached too (as False): SES is asked at most once a minute.
    cache.set(QUOTA_CACHE_KEY, quota or False, QUOTA_CACHE_SECONDS)
    return quota


def _ask_ses() -> aws.Quota | None:
    try:
        return aws.get_quota()
    except SESError as exc:
        logger.warning("Dashboard: cannot read the SES quota (%s).", exc)
        return None


def _pacing_rate() -> float | None:
    try:
        return get_limiter().rate()
    except RateLimiterUnavailable:
        return None


def measure(now: datetime) -> Throughput:
    """The current rate, the rate the workers pace at, and SES's quota and its use."""
    quota, source = _stored_quota(), "workers"
    if quota is None:
        quota, source = _ses_quota(), "ses"
    return Throughput(
        rate=current_rate(now),
        pacing_rate=_pacing_rate(),
        max_send_rate=quota.max_send_rate if quota else None,
        sent_last_24_hours=quota.sent_last_24_hours if quota else None,
        max_24_hour_send=quota.max_24_hour_send if quota else None,
        quota_source=source if quota else "unavailable",
    )
