"""Wake-ups: the feedback waker calls Redis off the caller's thread, once per burst."""

from __future__ import annotations

import threading

from mailer.sending import wakeup
from tests.support.waiting import wait_until


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
