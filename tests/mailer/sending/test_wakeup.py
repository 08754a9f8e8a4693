"""Wake-ups: the feedback waker calls Redis off the caller's thread, once per burst; a feedback
task holds the wake-up key while it runs and releases it only when nothing waits."""

from __future__ import annotations

import threading
import time

from mailer.sending import wakeup
from tests.support.waiting import wait_until

FEEDBACK_KEY = wakeup.PENDING_KEY.format(lane=wakeup.FEEDBACK)


def test_a_burst_of_requests_from_many_threads_makes_one_enqueue(redis_client):
    enqueued: list[int] = []
    waker = wakeup.Waker("test-burst", lambda: enqueued.append(1))
    threads = [
        threading.Thread(target=lambda: [waker.request() for _ in range(50)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: redis_client.exists("mailroom:wake:test-burst"), 10, "no wake-up")
    wait_until(lambda: not waker._event.is_set(), 10, "the waker did not catch up")
    assert enqueued == [1]  # the key stands until a batch starts: later requests add nothing


def test_a_request_after_the_batch_started_enqueues_again(redis_client):
    enqueued: list[int] = []
    waker = wakeup.Waker("test-again", lambda: enqueued.append(1))
    waker.request()
    wait_until(lambda: enqueued == [1], 10, "no first wake-up")
    redis_client.delete("mailroom:wake:test-again")  # what a starting batch does
    waker.request()
    wait_until(lambda: enqueued == [1, 1], 10, "no second wake-up")


def test_flush_makes_a_pending_call_at_once(redis_client):
    enqueued: list[int] = []
    waker = wakeup.Waker("test-flush", lambda: enqueued.append(1))
    waker._event.set()  # requested, the thread not started yet (as at exit)
    waker.flush()
    assert enqueued == [1] and not waker._event.is_set()


def test_a_steady_stream_makes_one_redis_call_per_pause(redis_client):
    """With a pause, requests that never stop (each batch deleting the key as it starts) cost
    one call per pause, not one per request; without it, about one per request."""
    counts = []
    for pause in (0.1, 0.0):
        enqueued: list[int] = []
        waker = wakeup.Waker(f"test-stream-{pause}", lambda e=enqueued: e.append(1), pause)
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            redis_client.delete(f"mailroom:wake:test-stream-{pause}")  # a batch starts
            waker.request()
            time.sleep(0.002)
        counts.append(len(enqueued))
    paused, unpaused = counts
    assert 1 <= paused <= 8, counts
    assert unpaused > 3 * paused, counts


def test_feedback_idle_releases_the_key_when_nothing_waits(redis_client):
    wakeup.feedback_started()
    assert redis_client.exists(FEEDBACK_KEY)
    assert wakeup.feedback_idle(lambda: False) is False
    assert not redis_client.exists(FEEDBACK_KEY)  # the next notification wakes a task


def test_feedback_idle_goes_on_when_a_notification_came_meanwhile(redis_client):
    wakeup.feedback_started()
    assert wakeup.feedback_idle(lambda: True) is True
    assert redis_client.exists(FEEDBACK_KEY)  # still held: no other task is enqueued


def test_feedback_idle_stops_when_a_wake_up_took_the_key_first(redis_client):
    """A notification committed just after the release: its wake-up took the key and enqueued
    a task, so this one stops rather than run beside it."""
    wakeup.feedback_started()

    def waiting() -> bool:
        redis_client.set(FEEDBACK_KEY, 1)  # the web process's wake-up, in between
        return True

    assert wakeup.feedback_idle(waiting) is False
    assert redis_client.exists(FEEDBACK_KEY)
