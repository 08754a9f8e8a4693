"""Wake-ups: tell the workers there is mail (or feedback), once per burst, after the commit."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.db import transaction
from django.dispatch import receiver
from post_office.signals import email_queued

from mailer.clients import redis_client
from mailer.lanes import Lane, lane_of, queue_name

logger = logging.getLogger(__name__)

# While this key exists a wake-up for the lane is already waiting in the broker; a drain
# deletes it as it starts, so mail committed after that start always gets a fresh wake-up.
PENDING_KEY = "mailroom:wake:{lane}"
PENDING_TTL_SECONDS = 30
# Sent by name (``mailer.tasks`` imports this module: no import cycle).
DRAIN_TASK = "mailer.drain"
FEEDBACK_TASK = "mailer.apply_feedback"
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
    """Make sure a feedback batch will run; called after a notification's commit.

    The Redis round trip happens in this process's waker thread, not in the web request, and
    a burst of requests costs one call: see ``Waker``.
    """
    _feedback_waker.request()


class Waker:
    """One thread per process that runs ``_once(name, enqueue)`` after each burst of requests.

    ``request`` only sets an event. The thread clears it, then calls Redis: every request made
    before the clear (so every notification committed before it) is covered by that call, and a
    request made after it sets the event again. After a call the thread rests ``pause`` seconds,
    so a steady stream costs at most one Redis call per pause, not one per request (a wake-up
    is late by ``pause`` at most). A process that exits with a request pending makes the call
    at exit; one killed outright leaves it to the sweep.
    """

    def __init__(self, name: str, enqueue: Callable[[], None], pause: float = 0.0) -> None:
        self.name, self.enqueue, self.pause = name, enqueue, pause
        self._event = threading.Event()
        self._pid = 0
        self._lock = threading.Lock()

    def request(self) -> None:
        if self._pid != os.getpid():
            self._start()
        self._event.set()

    def flush(self) -> None:
        """Make a pending call now (process exit)."""
        if self._event.is_set():
            self._event.clear()
            _once(self.name, self.enqueue)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._event = threading.Event()  # a forked child starts with its own
            threading.Thread(target=self._run, name=f"wake-{self.name}", daemon=True).start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            self._event.wait()
            self._event.clear()
            _once(self.name, self.enqueue)
            if self.pause:
                time.sleep(self.pause)


def enqueue_feedback() -> None:
    """Put one ``mailer.apply_feedback`` task on the default queue."""
    current_app.send_task(FEEDBACK_TASK)


def feedback_started() -> None:
    """A feedback task began: it holds the feedback key until it stops (``feedback_idle``), so
    notifications stored meanwhile need no wake-up: one task in flight at a time, whose batches
    fill with what arrived during the previous one."""
    redis_client().set(PENDING_KEY.format(lane=FEEDBACK), 1, ex=PENDING_TTL_SECONDS)


def feedback_idle(waiting: Callable[[], bool]) -> bool:
    """A feedback task found nothing to apply: release the key; True if it must go on.

    A notification committed before the release was seen by the task, or its wake-up found
    the key and relied on the task: ``waiting()``, asked after the release, finds it, and the
    task takes the key back and goes on, unless a wake-up took it first (its task will run).
    One committed after the release makes its own wake-up.
    """
    client = redis_client()
    key = PENDING_KEY.format(lane=FEEDBACK)
    client.delete(key)
    return waiting() and bool(client.set(key, 1, nx=True, ex=PENDING_TTL_SECONDS))


def forget_feedback_wakeup() -> None:
    """Drop the feedback key (bench, tests: no wake-up or task is taken to be pending)."""
    redis_client().delete(PENDING_KEY.format(lane=FEEDBACK))


# A steady stream of notifications costs one Redis call per this many seconds per web process.
FEEDBACK_WAKE_PAUSE_SECONDS = 0.05
_feedback_waker = Waker(FEEDBACK, enqueue_feedback, FEEDBACK_WAKE_PAUSE_SECONDS)
atexit.register(_feedback_waker.flush)


@receiver(email_queued, dispatch_uid="mailer.wake_on_queue")
def wake_on_queue(sender: object, emails: list[Any], **kwargs: object) -> None:
    """New mail in post_office's queue: one drain per lane that received mail, requested for
    after the commit (the periodic sweep covers a lost one)."""
    for lane in {lane_of(email.priority) for email in emails}:
        request(lane)
