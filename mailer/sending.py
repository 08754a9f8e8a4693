"""Sending a claimed batch: suppression, the shared rate limit, SES, and the recorded outcome."""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import close_old_connections, connection
from post_office.models import Email

from mailer import queue, quota, ses, suppression
from mailer.conf import get_settings
from mailer.exceptions import (
    RateLimiterUnavailable,
    SESDailyQuotaExceeded,
    SESPermanentError,
    SESThrottled,
    SESTransientError,
)
from mailer.lanes import Lane, lane_of
from mailer.queue import Claim
from mailer.ratelimit import get_limiter
from mailer.suppression import Decision

logger = logging.getLogger(__name__)

# A send is not started with less than this much of the lease left (at most a quarter of
# the lease): the rest is given back to the queue for another drain.
LEASE_MARGIN_SECONDS = 15.0
THROTTLE_DELAY = (1.0, 5.0)
TRANSIENT_DELAY = (30.0, 120.0)
# After SES throttled us (or failed transiently), leave this much of the account rate unused.
COOL_DOWN_SECONDS = 1.0


@dataclass
class BatchResult:
    """How a batch ended, counted per outcome."""

    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    released: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def send_batch(claim: Claim) -> BatchResult:
    """Send every email of a claim, in parallel threads sharing one SES client."""
    emails = list(
        Email.objects.filter(id__in=claim.email_ids)
        .select_related("template")
        .prefetch_related("attachments")
        .order_by("-priority", "id")
    )
    decisions = suppression.filter_batch(emails)
    result = BatchResult()
    lock = threading.Lock()

    def run(email: Email) -> None:
        outcome = _send_one_safely(email, decisions[email.id], claim)
        with lock:
            result.add(outcome)

    list(_pool().map(run, emails))
    return result


def _send_one_safely(email: Email, decision: Decision, claim: Claim) -> str:
    """Send one email; whatever goes wrong, the email ends recorded, never lost."""
    try:
        return _send_one(email, decision, claim)
    except Exception as exc:  # a bug or bad data must not leave the email in limbo
        logger.exception("Email %s could not be sent", email.id)
        kind = type(exc).__name__
        queue.record_failed(email.id, claim.token, f"{kind}: {exc}", kind)
        return "failed"
    finally:
        close_old_connections()


def _send_one(email: Email, decision: Decision, claim: Claim) -> str:
    if not decision.recipients:
        queue.record_suppressed(email.id, claim.token, decision.dropped)
        return "suppressed"
    message = _build_message(email, decision)
    if not _take_rate(len(message.recipients()), lane_of(email.priority), claim):
        queue.release([email.id], claim.token)
        quota.count("released")
        return "released"
    if not queue.mark_sending(email.id, claim.token):
        return "released"
    return _call_ses(email, message, decision, claim)


def _take_rate(weight: int, lane: Lane, claim: Claim) -> bool:
    """Wait for the shared rate; False (give the email back) if the lease would run short,
    sending is paused, or Redis is down."""
    lease = (claim.expires_at - claim.claimed_at).total_seconds()
    deadline = claim.expires_at.timestamp() - min(LEASE_MARGIN_SECONDS, lease / 4)
    connection.ensure_connection()  # a thread's first connect must not delay its slot's send
    try:
        return get_limiter().wait(weight, lane=lane, deadline=deadline)
    except RateLimiterUnavailable:
        logger.warning("Rate limiter unreachable; the email goes back to the queue.", exc_info=True)
        return False


def _build_message(email: Email, decision: Decision):
    message = email.prepare_email_message()
    message.to, message.cc, message.bcc = decision.to, decision.cc, decision.bcc
    return message


def _call_ses(email: Email, message, decision: Decision, claim: Claim) -> str:
    """Send; a throttle, pause or transient error requeues the email without spending a retry."""
    try:
        result = ses.send(message)
    except SESThrottled as exc:
        return _defer_and_cool_down(email, claim, exc, "throttled", THROTTLE_DELAY)
    except SESDailyQuotaExceeded as exc:
        return _defer_and_pause(email, claim, exc)
    except SESTransientError as exc:
        return _defer_and_cool_down(email, claim, exc, "transient", TRANSIENT_DELAY)
    except SESPermanentError as exc:
        queue.record_failed(email.id, claim.token, str(exc), exc.code or "SESPermanentError")
        quota.count("rejected")
        return "failed"
    queue.record_sent(
        email.id, claim.token, result.message_id, message.recipients(), decision.dropped
    )
    quota.count("accepted")
    return "sent"


def _defer_and_cool_down(
    email: Email, claim: Claim, exc: Exception, kind: str, delay: tuple[float, float]
) -> str:
    """Throttle, connection error or 5xx (issue 3): requeue without spending a retry, and
    slow every worker down."""
    outcome = _defer(email, claim, exc, delay, spend_retry=False)
    quota.count(kind)
    try:
        get_limiter().cool_down(COOL_DOWN_SECONDS)
    except RateLimiterUnavailable:
        logger.warning("Could not cool the rate limiter down (Redis unreachable).")
    return outcome


def _defer_and_pause(email: Email, claim: Claim, exc: Exception) -> str:
    """The 24-hour quota is used up: requeue the email for after the pause, pause everyone."""
    seconds = get_settings().quota_pause_seconds
    outcome = _defer(email, claim, exc, (seconds, seconds * 1.1), spend_retry=False)
    quota.count("daily_quota")
    quota.pause(str(exc))
    return outcome


def _defer(
    email: Email, claim: Claim, exc: Exception, delay: tuple[float, float], *, spend_retry: bool
) -> str:
    jittered = random.uniform(*delay)
    kept = queue.defer(
        email.id, claim.token, jittered, str(exc), spend_retry=spend_retry,
        max_retries=get_settings().max_retries,
    )
    return "deferred" if kept else "failed"


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


def drain_once(lane: Lane, worker: str, on_full_batch: Callable[[], None]) -> BatchResult:
    """Claim one batch of ``lane`` and send it; a full batch first asks for a successor.

    Asking for the successor before sending lets another worker process start on the next
    batch at once, so the drain spreads over every process without a coordinator.
    """
    conf = get_settings()
    claim = queue.claim(lane, conf.batch_size, conf.lease_seconds, worker)
    if not claim:
        return BatchResult()
    if len(claim.email_ids) >= conf.batch_size:
        on_full_batch()
    result = send_batch(claim)
    if result.released and len(claim.email_ids) < conf.batch_size:
        on_full_batch()  # what was given back needs a drain too
    return result
