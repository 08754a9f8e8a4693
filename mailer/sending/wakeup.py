"""Wake-ups: tell the workers there is mail (or feedback), once per burst, after the commit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.db import transaction
from django.dispatch import receiver
from post_office.signals import email_queued

from mailer.clients import redis_client
from mailer.lanes import Lane, lane_of, queue_name

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

# While this key exists a wake-up for the lane is already waiting in the broker; a drain
# deletes it as it starts, so mail committed after that start always gets a fresh wake-up.
PENDING_KEY = "mailroom:wake:{lane}"
PENDING_TTL_SECONDS = 30
# Sent by name (``mailer.tasks`` imports this module: no import cycle).
DRAIN_TASK = "mailer.drain"
FEEDBACK = "feedback"  # the key of the feedback batch (not a lane)
LATER_KEY = "mailroom:wake:{lane}:at:{second}"


def request(lane: Lane) -> None:
    """Enqueue a drain of ``lane`` when the current transaction commits (deduplicated)."""
    transaction.on_commit(lambda: ensure_drain(lane))


def ensure_drain(lane: Lane) -> None:
    """Enqueue a drain of ``lane`` unless one is already waiting (best effort)."""
    _once(lane, lambda: enqueue_drain(lane))


def _once(name: str, enqueue: Callable[[], None]) -> None:
    """Call ``enqueue`` unless a wake-up for ``name`` is already waiting."""
    try:
        if redis_client().set(PENDING_KEY.format(lane=name), 1, nx=True, ex=PENDING_TTL_SECONDS):
            enqueue()
    except Exception:  # the rows are committed; the periodic sweep will find them
        logger.warning("Could not enqueue a %s wake-up; the sweep will.", name, exc_info=True)


def enqueue_drain(lane: Lane) -> None:
    """Put one drain task for ``lane`` on its Celery queue."""
    current_app.send_task(DRAIN_TASK, args=[lane], queue=queue_name(lane))


def enqueue_drain_later(lane: Lane, seconds: float) -> None:
    """Put a drain of ``lane`` on its queue due in ``seconds`` (the end of a pause, a retry's
    time): one per lane and second of due time, so a burst of deferrals enqueues one drain."""
    due = time.time() + max(0.0, seconds)
    key = LATER_KEY.format(lane=lane, second=int(due))
    try:
        if redis_client().set(key, 1, nx=True, px=int(seconds * 1000) + 1000):
            current_app.send_task(
                DRAIN_TASK, args=[lane], queue=queue_name(lane), countdown=max(0.0, seconds)
            )
    except Exception:  # the sweep will find the mail
        logger.warning("Could not enqueue a later wake-up; the sweep will.", exc_info=True)


def started(lane: Lane) -> None:
    """A drain of ``lane`` began: later mail needs a new wake-up."""
    redis_client().delete(PENDING_KEY.format(lane=lane))


def request_feedback() -> None:
    """Enqueue a feedback batch (deduplicated); bouncy calls this after its commit."""
    _once(FEEDBACK, enqueue_feedback)


def enqueue_feedback() -> None:
    """Put one ``mailer.apply_feedback`` task on the default queue."""
    from mailer.tasks import apply_feedback

    apply_feedback.apply_async()


def feedback_started() -> None:
    """A feedback batch began: notifications stored after this need a new wake-up."""
    redis_client().delete(PENDING_KEY.format(lane=FEEDBACK))


@receiver(email_queued, dispatch_uid="mailer.wake_on_queue")
def wake_on_queue(sender: object, emails: list[Any], **kwargs: object) -> None:
    """New mail in post_office's queue: one drain per lane that received mail, requested for
    after the commit (the periodic sweep covers a lost one)."""
    for lane in {lane_of(email.priority) for email in emails}:
        request(lane)
