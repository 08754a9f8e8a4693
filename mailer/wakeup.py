"""Wake-ups: tell the workers there is mail, once per burst, after the transaction commits."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction

from mailer.lanes import Lane, queue_name
from mailer.ratelimit import redis_client

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)

# While this key exists a wake-up for the lane is already waiting in the broker; a drain
# deletes it as it starts, so mail committed after that start always gets a fresh wake-up.
PENDING_KEY = "mailroom:wake:{lane}"
PENDING_TTL_SECONDS = 30


def client() -> redis.Redis:
    """The shared Redis client (``mailer.ratelimit`` owns the connection pool)."""
    return redis_client()


def request(lane: Lane) -> None:
    """Enqueue a drain of ``lane`` when the current transaction commits (deduplicated)."""
    transaction.on_commit(lambda: _enqueue(lane))


def _enqueue(lane: Lane) -> None:
    try:
        if client().set(PENDING_KEY.format(lane=lane), 1, nx=True, ex=PENDING_TTL_SECONDS):
            enqueue_drain(lane)
    except Exception:  # the mail is committed; the periodic sweep will find it
        logger.warning("Could not enqueue a wake-up; the sweep will send the mail.", exc_info=True)


def enqueue_drain(lane: Lane) -> None:
    """Put one drain task for ``lane`` on its Celery queue."""
    from mailer.tasks import drain

    drain.apply_async(args=[lane], queue=queue_name(lane))


def started(lane: Lane) -> None:
    """A drain of ``lane`` began: later mail needs a new wake-up."""
    client().delete(PENDING_KEY.format(lane=lane))
