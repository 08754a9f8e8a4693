"""Feedback wake-ups and batches under a stream: one task in flight, batches that fill.

The web processes enqueue ``mailer.apply_feedback`` only when no task holds the wake-up key; the
task holds it while it runs, and spaces batches that are not full so that each shares its fixed
cost among the notifications of a quarter second (docs/decisions.md §17).
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection

from bouncy import processing
from mailer import tasks
from mailer.models import Unsubscribe
from mailer.sending import wakeup
from tests.support.feedback import bounce, event, store
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime.now(UTC)
FEEDBACK_KEY = wakeup.PENDING_KEY.format(lane=wakeup.FEEDBACK)
CELERY_QUEUE = "mailroom"  # CELERY_TASK_DEFAULT_QUEUE: a Redis list in the broker


def test_a_burst_of_notifications_enqueues_one_task(redis_client):
    for i in range(50):
        store(str(uuid.uuid4()), event(f"m{i}", "Open", NOW))
    wait_until(lambda: redis_client.llen(CELERY_QUEUE) >= 1, 10, "no wake-up")
    time.sleep(0.3)  # the waker's last calls
    assert redis_client.llen(CELERY_QUEUE) == 1


def test_no_task_is_enqueued_while_one_runs(redis_client):
    wakeup.feedback_started()  # a task is running
    for i in range(20):
        store(str(uuid.uuid4()), event(f"m{i}", "Open", NOW))
    time.sleep(0.3)
    assert redis_client.llen(CELERY_QUEUE) == 0
    assert tasks.apply_feedback()["notifications"] == 20  # the running task finds them
    assert not redis_client.exists(FEEDBACK_KEY)  # released: the next one wakes a task


def test_a_trickle_is_applied_in_batches_that_fill(redis_client, monkeypatch):
    """A notification every 10 ms for a second: a few batches, not one per notification."""
    batches: list[int] = []
    process_pending = processing.process_pending

    def counted(limit: int) -> processing.Processed:
        done = process_pending(limit)
        if done:
            batches.append(done.notifications)
        return done

    monkeypatch.setattr(processing, "process_pending", counted)

    def trickle(seconds: float) -> None:
        ends = time.monotonic() + seconds
        try:
            while time.monotonic() < ends:
                address = f"{uuid.uuid4().hex}@example.com"
                store(str(uuid.uuid4()), bounce("m-t", address, datetime.now(UTC), "hard"))
                time.sleep(0.01)
        finally:
            connection.close()

    thread = threading.Thread(target=trickle, args=(1.0,))
    thread.start()
    wait_until(lambda: processing.pending().exists(), 10, "nothing stored")
    began = time.monotonic()
    while thread.is_alive():
        tasks.apply_feedback()
    thread.join()
    tasks.apply_feedback()
    elapsed = time.monotonic() - began
    assert not processing.pending().exists()
    stored = Unsubscribe.objects.count()
    assert stored == sum(batches) and stored >= 10, (stored, batches)
    # About one batch per FEEDBACK_BATCH_SECONDS (one per notification or two without it).
    assert len(batches) <= elapsed / 0.25 + 3, (elapsed, batches)
