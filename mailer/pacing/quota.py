"""The account's SES quota: the shared send rate, the daily-quota pause and outcome counters."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils import timezone

from mailer import aws
from mailer.aws import Quota
from mailer.conf import get_settings
from mailer.exceptions import RateLimiterUnavailable, SESAccountError, SESError
from mailer.models import AccountQuota
from mailer.pacing.limiter import Pause, get_limiter, get_state

logger = logging.getLogger(__name__)



class SendOutcome(StrEnum):
    """What the workers count, one Redis counter each (``mailer_status`` shows ``ses_<name>``);
    ``account`` and ``daily_quota`` also name the kind of a pause."""

    ACCEPTED = "accepted"
    THROTTLED = "throttled"
    DAILY_QUOTA = "daily_quota"
    ACCOUNT = "account"
    TRANSIENT = "transient"
    REJECTED = "rejected"
    RELEASED = "released"


ACCOUNT_PAUSE_PREFIX = "SES refused the account: "

_warned: set[str] = set()


def refresh() -> float:
    """Read SES's quota, keep it (database and Redis), set the rate every worker paces at, and
    pause or resume for the day's quota. Returns the rate (recipients/s). Never raises for SES:
    an unreadable quota keeps the last rate read (the database's), else MAILROOM_MAX_SEND_RATE,
    else 1/s; an account SES refuses pauses sending."""
    conf, quota = get_settings(), _read()
    if quota is None:
        rate = conf.send_rate(_last_read_rate())
        get_limiter().set_rate(rate, only_if_missing=not conf.max_send_rate)
        return send_rate()
    keep(quota)
    get_limiter().set_rate(conf.send_rate(quota.max_send_rate))
    get_state().save_quota(quota)
    _apply_daily_quota(quota)
    return send_rate()


def keep(quota: Quota) -> None:
    """Store the quota read in the database: it outlives Redis (restarts, maintenance)."""
    AccountQuota.objects.update_or_create(
        id=1, defaults={**asdict(quota), "read_at": timezone.now()}
    )


def _last_read_rate() -> float | None:
    row = AccountQuota.objects.filter(id=1).values_list("max_send_rate", flat=True).first()
    return row if row and row > 0 else None


def known_rate() -> float | None:
    """The rate to restore into an empty Redis (the limiter calls this, single-flight): the
    last quota read, from the database; failing that, SES now. None if neither is known."""
    rate = _last_read_rate()
    if rate is None and (quota := _read()) is not None:
        keep(quota)
        rate = quota.max_send_rate
    return get_settings().send_rate(rate) if rate else None


def _read() -> Quota | None:
    try:
        quota = aws.get_quota()
    except SESError as exc:  # an account refused pauses on its first send, not here
        _warn_once(f"Cannot read the SES send quota ({exc}); pacing at the last rate read, "
                   "MAILROOM_MAX_SEND_RATE or 1 recipient/s. Allow ses:GetSendQuota to fix this.")
        return None
    _warned.clear()
    return quota if quota.max_send_rate > 0 else None


def _warn_once(message: str) -> None:
    if "quota" not in _warned:
        _warned.add("quota")
        logger.warning(message)


def _apply_daily_quota(quota: Quota) -> None:
    if quota.exhausted:
        reason = (f"SES 24-hour quota used up ({quota.sent_last_24_hours:.0f} of "
                  f"{quota.max_24_hour_send:.0f} recipients)")
        pause(reason)
    elif get_state().resume():
        logger.info("SES reports room in the 24-hour quota again: sending resumes.")


def pause(reason: str) -> None:
    """Pause every worker's sends for MAILROOM_QUOTA_PAUSE_SECONDS (best effort: a Redis
    outage already stops sending)."""
    seconds = get_settings().quota_pause_seconds
    try:
        get_state().pause(seconds, reason)
    except RateLimiterUnavailable:
        logger.warning("Could not record the pause (Redis unreachable): %s", reason)
        return
    logger.warning("Sending paused for %.0f s: %s", seconds, reason)


def pause_account(exc: SESAccountError) -> None:
    """SES refused the account (credentials, permissions, sending paused, configuration set,
    sender): pause every worker for MAILROOM_ACCOUNT_PROBE_SECONDS. When the pause ends, the
    next send probes SES: it resumes sending, or pauses again. One ERROR line per pause."""
    seconds = get_settings().account_probe_seconds
    reason = f"{ACCOUNT_PAUSE_PREFIX}{exc}"
    try:
        started = get_state().pause(seconds, reason, only_if_none=True)
    except RateLimiterUnavailable:
        logger.error("Could not record the pause (Redis unreachable): %s", reason)
        return
    if started:
        logger.error(
            "Sending paused: %s. No email fails for this; sending is tried again in %.0f s and "
            "resumes by itself once SES accepts.", reason, seconds,
        )  # fmt: skip


def send_rate() -> float:
    """The rate (recipients/s) the limiter paces at now: what it reads in Redis, for ETAs."""
    conf = get_settings()
    stored = None if conf.max_send_rate else get_limiter().rate()
    return stored or conf.send_rate(None)


def current_pause() -> Pause | None:
    """The pause in force, if any (it ends by itself, or at a quota refresh showing room)."""
    return get_state().pause_state()


def pause_kind(paused: Pause | None) -> SendOutcome | None:
    """``account`` (SES refused the account), ``daily_quota``, or None when not paused."""
    if paused is None:
        return None
    if paused.reason.startswith(ACCOUNT_PAUSE_PREFIX):
        return SendOutcome.ACCOUNT
    return SendOutcome.DAILY_QUOTA


def count(outcome: SendOutcome, n: int = 1) -> None:
    """Add ``n`` to the shared counter of ``outcome``; best effort."""
    if n <= 0:
        return
    try:
        get_state().count(outcome, n)
    except RateLimiterUnavailable:
        logger.debug("Counter %s not updated (Redis unreachable).", outcome)


def snapshot(now: datetime | None = None) -> dict[str, int | float | str | None]:
    """Pause, rate and counters for ``mailer_status``."""
    now = now or timezone.now()
    paused = current_pause()
    counters = get_state().counters()
    return {
        "paused": int(paused is not None),
        "pause_kind": pause_kind(paused),
        "paused_until": (now + timedelta(seconds=paused.seconds_left)).isoformat()
        if paused else None,
        "pause_reason": paused.reason if paused else None,
        "send_rate": send_rate(),
        **{f"ses_{kind}": counters.get(kind, 0) for kind in SendOutcome},
    }
