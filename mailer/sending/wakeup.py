"""Wake-ups: tell the workers there is mail (or feedback), once per burst, after the commit."""

from __future__ import annotations

import logging
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


def request(lane: Lane) -> None:
    """Enqueue a drain of ``lane`` when the current transaction commits (deduplicated)."""
    transaction.on_commit(lambda: _enqueue(lane))


def _enqueue(lane: Lane) -> None:
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
