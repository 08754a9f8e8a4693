"""Sending a claimed batch: suppression, the shared rate limit, SES, and the recorded outcome."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.core.mail import EmailMessage
from post_office.models import Email

from mailer import aws, queue
from mailer.conf import get_settings
from mailer.exceptions import (
    RateLimiterUnavailable,
    SESAccountError,
    SESAmbiguousOutcome,
    SESDailyQuotaExceeded,
    SESError,
    SESPermanentError,
    SESThrottled,
    SESTransientError,
)
from mailer.lanes import BULK, Lane, lane_of
from mailer.models import StoredMime
from mailer.pacing import quota
from mailer.pacing.limiter import get_limiter
from mailer.pacing.quota import SendOutcome
from mailer.queue import Claim
from mailer.queue.mime import QueuedMessage
from mailer.reputation import guard
from mailer.sending import retry, wakeup
from mailer.suppression import filtering
from mailer.suppression.filtering import Decision

logger = logging.getLogger(__name__)

# After SES throttled us, leave this much of the account rate unused.
COOL_DOWN_SECONDS = 1.0
# How long a sender waits for an unreachable Redis (the limiter) before giving the email back,
# and how often it looks.
LIMITER_OUTAGE_WAIT_SECONDS = 30.0
LIMITER_RETRY_SECONDS = 0.25
# Mail due later than this is left to the periodic sweep rather than a delayed wake-up.
LATER_WAKE_MAX_SECONDS = 60.0


@dataclass
class BatchResult:
    """How a batch ended, counted per outcome."""

    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    released: int = 0
    paused: int = 0

    def add(self, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)


@dataclass
class Attempt:
    """What one sender thread did with one email (it touches SES and Redis, never the DB)."""

    email: Email
    decision: Decision
    outcome: str  # "sent", "released", or an error kind
    message_id: str = ""
    recipients: list[str] = field(default_factory=list)
    error: Exception | None = None


def send_batch(claim: Claim) -> BatchResult:
    """Send every email of a claim in waves of ``send_threads`` parallel SES calls.

    Per wave the database sees one UPDATE before the calls (the emails are ``sending``) and one
    short transaction after (the outcomes); the threads only build, pace and send, so a worker
    runs at SES's speed instead of its database round trips'.
    """
    emails = list(
        Email.objects.filter(id__in=claim.email_ids)
        .select_related("template")
        .prefetch_related("attachments")
        .order_by("-priority", "id")
    )
    decisions = filtering.filter_batch(emails)
    result = BatchResult()
    wave_size = get_settings().send_threads
    for start in range(0, len(emails), wave_size):
        _send_wave(emails[start : start + wave_size], decisions, claim, result)
    return result


def _send_wave(
    emails: list[Email], decisions: dict[int, Decision], claim: Claim, result: BatchResult
) -> None:
    ready = []
    for email in emails:
        if decisions[email.id].invalid:
            queue.record_failed(email.id, claim.token, decisions[email.id].invalid_error,
                                "InvalidRecipient")
            result.add("failed")
        elif decisions[email.id].recipients:
            ready.append(email)
        else:
            queue.record_suppressed(email.id, claim.token, decisions[email.id].dropped)
            result.add("suppressed")
    held = set(queue.mark_sending([e.id for e in ready], claim.token)) if ready else set()
    if not_held := [e.id for e in ready if e.id not in held]:
        queue.release(not_held, claim.token)  # paused, cancelled, or the lease ran out
        result.add("released", len(not_held))
    going = [e for e in ready if e.id in held]
    mimes = _stored_mimes(going)
    attempts = list(
        _pool().map(lambda e: _attempt(e, decisions[e.id], claim, mimes.get(e.id)), going)
    )
    _record(attempts, claim, result)


def _stored_mimes(emails: list[Email]) -> dict[int, bytes]:
    """The MIME stored at queue time for those of a wave's emails that have one (one query
    per wave, so a batch of large messages is never all in memory at once)."""
    if not emails:
        return {}
    rows = StoredMime.objects.filter(email_id__in=[e.id for e in emails])
    return {email_id: bytes(data) for email_id, data in rows.values_list("email_id", "data")}


def _attempt(email: Email, decision: Decision, claim: Claim, mime: bytes | None) -> Attempt:
    """Build, wait for the shared rate, send. Any error is captured for the recorder."""
    try:
        message = _build_message(email, decision, mime)
        if not _take_rate(len(message.recipients()), lane_of(email.priority), claim):
            return Attempt(email, decision, "released")
        sent = aws.send(message)
        return Attempt(email, decision, "sent", sent.message_id, sent.destinations)
    except Exception as exc:  # a bug or bad data must not leave the email in limbo
        if not isinstance(exc, SESError):
            logger.exception("Email %s could not be sent", email.id)
        return Attempt(email, decision, "error", error=exc)


def _record(attempts: list[Attempt], claim: Claim, result: BatchResult) -> None:
    """Write the wave's outcomes: the sends in one transaction, the rest one by one."""
    sent = [a for a in attempts if a.outcome == "sent"]
    queue.record_sent(
        claim.token,
        [queue.Sent(a.email.id, a.message_id, a.recipients, a.decision.dropped) for a in sent],
    )
    result.add("sent", len(sent))
    quota.count(SendOutcome.ACCEPTED, len(sent))
    released = [a.email.id for a in attempts if a.outcome == "released"]
    if released:
        queue.release(released, claim.token)
        quota.count(SendOutcome.RELEASED, len(released))
        result.add("released", len(released))
    for attempt in attempts:
        if attempt.outcome == "error":
            result.add(_record_error(attempt, claim))


def _record_error(attempt: Attempt, claim: Claim) -> str:
    """Throttles, pauses and transient errors requeue the email (mailer.sending.retry says when);
    a message-level refusal or an unexpected exception fails it."""
    email, exc = attempt.email, attempt.error
    if isinstance(exc, SESThrottled):
        return _defer_and_cool_down(email, claim, exc, SendOutcome.THROTTLED, queue.Retry(
            lambda _: retry.throttle_delay()))  # fmt: skip
    if isinstance(exc, SESDailyQuotaExceeded):
        quota.count(SendOutcome.DAILY_QUOTA)
        quota.pause(str(exc))
        return _pause_defer(email, claim, exc, get_settings().quota_pause_seconds)
    if isinstance(exc, SESAccountError):
        quota.count(SendOutcome.ACCOUNT)
        quota.pause_account(exc)
        return _pause_defer(email, claim, exc, get_settings().account_probe_seconds)
    if isinstance(exc, SESTransientError):
        # No cool-down: a 5xx says nothing about our rate, and one per second would halve it.
        transient = queue.Retry(retry.transient_delay, spend=True,
                                retry_for=get_settings().retry_for,
                                ambiguous=isinstance(exc, SESAmbiguousOutcome))  # fmt: skip
        quota.count(SendOutcome.TRANSIENT)
        kept = queue.defer(email.id, claim.token, str(exc), transient)
        return "deferred" if kept else "failed"
    if isinstance(exc, SESPermanentError):
        quota.count(SendOutcome.REJECTED)
        queue.record_failed(email.id, claim.token, str(exc), exc.code or "SESPermanentError")
        return "failed"
    kind = type(exc).__name__
    queue.record_failed(email.id, claim.token, f"{kind}: {exc}", kind)
    return "failed"


def _take_rate(weight: int, lane: Lane, claim: Claim) -> bool:
    """Wait for the shared rate; False (give the email back) if the lease would run short,
    sending is paused, or Redis stays unreachable for LIMITER_OUTAGE_WAIT_SECONDS.

    Waiting through a short Redis outage (a restart for maintenance) keeps the batch in hand:
    when Redis is back the drain goes on at once, instead of waiting for the next sweep.
    """
    deadline = claim.expires_at.timestamp() - get_settings().lease_margin_seconds
    give_up = min(deadline, time.time() + LIMITER_OUTAGE_WAIT_SECONDS)
    while True:
        try:
            return get_limiter().wait(weight, lane=lane, deadline=deadline)
        except RateLimiterUnavailable:
            if time.time() + LIMITER_RETRY_SECONDS > give_up:
                logger.warning("Rate limiter unreachable; the email goes back to the queue.")
                return False
            time.sleep(LIMITER_RETRY_SECONDS)


def _build_message(email: Email, decision: Decision, mime: bytes | None) -> EmailMessage:
    """The message as queued: Django's stored MIME, or post_office's rendering of the row
    (mail queued through post_office's API: templates, campaigns)."""
    message = QueuedMessage(email, mime) if mime is not None else email.prepare_email_message()
    message.to, message.cc, message.bcc = decision.to, decision.cc, decision.bcc
    return message


def _defer_and_cool_down(
    email: Email, claim: Claim, exc: Exception, kind: SendOutcome, how: queue.Retry
) -> str:
    """Throttled: requeue as ``how`` says, and slow every worker down."""
    kept = queue.defer(email.id, claim.token, str(exc), how)
    quota.count(kind)
    try:
        get_limiter().cool_down(COOL_DOWN_SECONDS)
    except RateLimiterUnavailable:
        logger.warning("Could not cool the rate limiter down (Redis unreachable).")
    return "deferred" if kept else "failed"


def _pause_defer(email: Email, claim: Claim, exc: Exception, seconds: float) -> str:
    """Sending is paused (for the day's quota, or the account): the email goes back for when
    the pause ends, spending nothing."""
    queue.defer(email.id, claim.token, str(exc), queue.Retry(lambda _: retry.pause_delay(seconds)))
    return "paused"


_executor: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """A thread pool per process (created after fork), so DB connections persist between batches."""
    pid = os.getpid()
    if pid not in _executor:
        _executor.clear()
        _executor[pid] = ThreadPoolExecutor(
            get_settings().send_threads, thread_name_prefix="mailroom-send"
        )
    return _executor[pid]


def stopped(lane: Lane) -> str:
    """Why ``lane`` may not send now: "paused" (SES's quota, an operator), "held" (the
    reputation guard holds bulk mail); "" when it may."""
    if quota.current_pause():
        return "paused"
    if lane == BULK and not guard.bulk_allowed():
        return "held"
    return ""


def drain_once(lane: Lane, worker: str, on_full_batch: Callable[[], None]) -> BatchResult:
    """Claim one batch of ``lane`` and send it; a full batch first asks for a successor.

    Asking for the successor before sending lets another worker process start on the next
    batch at once, so the drain spreads over every process without a coordinator. After the
    batch, a drain is made sure of (the successor may have been lost with a Redis restart),
    and mail put back for a short wait gets a drain when it is due.
    """
    conf = get_settings()
    claim = queue.claim(lane, conf.batch_size, conf.lease_seconds, worker)
    if not claim:
        return BatchResult()
    full = len(claim.email_ids) >= conf.batch_size
    if full:
        on_full_batch()
    result = send_batch(claim)
    if result.released and not full:
        on_full_batch()  # what was given back needs a drain too
    if full:
        wakeup.ensure_drain(lane)
    if result.deferred or result.paused:
        _wake_when_due(lane)
    return result


def _wake_when_due(lane: Lane) -> None:
    """A drain for the lane's earliest mail that waits (a retry, the end of a pause)."""
    seconds = queue.seconds_until_due(lane)
    if seconds is not None and seconds <= LATER_WAKE_MAX_SECONDS:
        wakeup.enqueue_drain_later(lane, seconds)
