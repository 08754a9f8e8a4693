"""The shared limiter on the real Redis: pacing, recipient weights, processes, lanes, deadlines."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from mailer.aws import Quota
from mailer.exceptions import RateLimiterUnavailable
from mailer.pacing import limiter as ratelimit
from mailer.pacing import quota
from mailer.pacing.limiter import CATCH_UP_SECONDS, HORIZON_SECONDS, TAT_KEY, get_limiter, get_state

FAR = 3600.0


@pytest.fixture
def rate(settings, redis_client):
    """Pin the account rate (recipients/s) through MAILROOM_MAX_SEND_RATE."""

    def pin(value: float, share: float = 0.2) -> None:
        settings.MAILROOM_MAX_SEND_RATE = value
        settings.MAILROOM_TRANSACTIONAL_SHARE = share

    return pin


def timed(weight: int, lane: str = "transactional", deadline: float = FAR) -> float:
    start = time.monotonic()
    assert get_limiter().wait(weight, lane=lane, deadline=time.time() + deadline)
    return time.monotonic() - start


def near(actual: float, expected: float, slack: float = 0.08) -> bool:
    return expected - slack < actual < expected + slack


def largest_1s_window(grants: list[tuple[float, int]]) -> int:
    """The most recipients granted within any 1-second window."""
    grants = sorted(grants)
    best, total, left = 0, 0, 0
    for at, weight in grants:
        total += weight
        while at - grants[left][0] >= 1.0:
            total -= grants[left][1]
            left += 1
        best = max(best, total)
    return best


def hammer(lane: str, seconds: float, grants: list) -> None:
    """Take slots as fast as the limiter allows until ``seconds`` pass (1- and 3-recipient)."""
    end, i = time.time() + seconds, 0
    while time.time() < end:
        weight = 3 if i % 2 else 1
        if get_limiter().wait(weight, lane=lane, deadline=end):
            grants.append((time.time(), weight))
        i += 1


def hammer_process(lane: str, seconds: float, out: multiprocessing.Queue) -> None:
    grants: list = []
    hammer(lane, seconds, grants)
    out.put(grants)


def run_threads(specs: list[tuple[str, int]], seconds: float) -> dict[str, list]:
    """Hammer from ``count`` threads per lane; returns the grants per lane."""
    grants: dict[str, list] = {lane: [] for lane, _ in specs}
    threads = [
        threading.Thread(target=hammer, args=(lane, seconds, grants[lane]))
        for lane, count in specs for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return grants


def steady_rate(grants: list[tuple[float, int]], skip: float = 0.5) -> float:
    """Recipients/s after the first ``skip`` seconds, up to the last grant."""
    times = sorted(at for at, _ in grants)
    start, end = times[0] + skip, times[-1]
    return sum(w for at, w in grants if start < at <= end) / (end - start)


def test_paces_evenly_at_the_rate(rate):
    rate(20)
    waits = [timed(1) for _ in range(12)]
    # After an idle spell only CATCH_UP_SECONDS of slots (2 here) go at once; then 1/20 s each.
    assert sum(waits[:3]) < 0.05
    assert all(near(w, 0.05, 0.025) for w in waits[4:]), waits


def test_weight_is_recipients(rate):
    rate(10)
    timed(5)
    # Five recipients at 10/s hold the next one 0.5 s (less the catch-up after idle).
    assert near(timed(1), 0.5 - CATCH_UP_SECONDS)
    assert near(timed(1), 0.1)


def test_concurrent_processes_hold_the_rate(rate):
    rate(50)
    out: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()
    procs = [
        multiprocessing.get_context("fork").Process(target=hammer_process, args=(lane, 3.0, out))
        for lane in ("transactional", "transactional", "bulk", "bulk")
    ]
    for proc in procs:
        proc.start()
    grants = [grant for _ in procs for grant in out.get(timeout=30)]
    for proc in procs:
        proc.join(timeout=10)
    assert 0.9 * 50 < steady_rate(grants) < 1.05 * 50
    assert largest_1s_window(grants) <= 50 * (1.1 + CATCH_UP_SECONDS) + 3


def test_deadline_refuses_without_taking_a_slot(rate, redis_client):
    rate(1)
    timed(5)
    tat = redis_client.get(TAT_KEY)
    start = time.monotonic()
    assert not get_limiter().wait(1, lane="transactional", deadline=time.time() + 2)
    assert time.monotonic() - start < 0.2
    assert redis_client.get(TAT_KEY) == tat


def test_bulk_refuses_a_slot_past_its_deadline_at_once(rate):
    rate(1)
    timed(3)
    start = time.monotonic()
    assert not get_limiter().wait(1, lane="bulk", deadline=time.time() + 1)
    assert time.monotonic() - start < 0.2


def test_bulk_waits_for_a_slot_before_its_deadline(rate):
    rate(2)
    timed(2)
    assert near(timed(1, lane="bulk", deadline=3), 1 - CATCH_UP_SECONDS, 0.15)


def test_bulk_alone_gets_the_full_rate(rate):
    rate(20)
    grants = run_threads([("bulk", 4)], 2.5)
    assert steady_rate(grants["bulk"]) > 0.9 * 20


def trickle(seconds: float, every: float, latencies: list[float]) -> None:
    """One transactional recipient every ``every`` seconds, noting how long each waited."""
    end = time.time() + seconds
    while time.time() < end:
        latencies.append(timed(1))
        time.sleep(every)


def test_bulk_is_capped_while_transactional_is_busy(rate):
    rate(20, share=0.5)
    latencies: list[float] = []
    sender = threading.Thread(target=trickle, args=(3.0, 0.2, latencies))
    sender.start()
    grants = run_threads([("bulk", 4)], 3.0)
    sender.join()
    assert steady_rate(grants["bulk"]) < (1 - 0.5) * 20 * 1.15  # not the 15/s left over
    assert max(latencies) < HORIZON_SECONDS["bulk"] + 0.15 + 0.1


def test_transactional_may_take_the_full_rate(rate):
    rate(20, share=0.2)
    grants = run_threads([("bulk", 4), ("transactional", 2)], 3.0)
    assert steady_rate(grants["transactional"]) > 0.8 * 20
    assert 0.9 * 20 < steady_rate(grants["bulk"] + grants["transactional"]) < 1.05 * 20


def test_transactional_does_not_queue_behind_bulk(rate):
    rate(10)
    stop = time.time() + 3
    threads = [
        threading.Thread(target=hammer, args=("bulk", stop - time.time(), []))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)
    latency = timed(1)
    for thread in threads:
        thread.join()
    # 16 bulk senders of up to 3 recipients would be 4.8 s of reservations at 10/s.
    assert latency < HORIZON_SECONDS["bulk"] + 0.3 + 0.15


def test_cool_down_leaves_a_gap_once(rate):
    rate(100)
    assert get_limiter().cool_down(0.5)
    assert not get_limiter().cool_down(0.5)  # a volley of throttles cools down once
    assert near(timed(1), 0.5)


def test_pause_refuses_until_resumed(rate):
    rate(100)
    get_state().pause(30, "test pause")
    start = time.monotonic()
    assert not get_limiter().wait(1, lane="transactional", deadline=time.time() + FAR)
    assert not get_limiter().wait(1, lane="bulk", deadline=time.time() + FAR)
    assert time.monotonic() - start < 0.2
    assert get_state().resume()
    assert timed(1) < 0.1


def test_stored_rate_is_used_without_override(settings, redis_client):
    settings.MAILROOM_MAX_SEND_RATE = None
    get_limiter().set_rate(10)
    timed(5)
    assert near(timed(1), 0.5 - CATCH_UP_SECONDS)


def test_override_beats_stored_rate(settings, redis_client):
    settings.MAILROOM_MAX_SEND_RATE = 100
    get_limiter().set_rate(0.1)
    timed(5)
    assert timed(1) < 0.1


def test_headroom_scales_the_rate(settings, redis_client):
    settings.MAILROOM_MAX_SEND_RATE = 20
    settings.MAILROOM_RATE_HEADROOM = 0.5
    timed(5)
    assert near(timed(1), 0.5 - CATCH_UP_SECONDS)


def test_unreachable_redis_raises_our_error(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(RateLimiterUnavailable, match="Redis"):
        get_limiter().wait(1, lane="transactional", deadline=time.time() + 1)


@pytest.mark.django_db(transaction=True)
def test_a_rate_lost_with_redis_is_restored_from_the_database_once(settings, redis_client):
    settings.MAILROOM_MAX_SEND_RATE = None
    quota.keep(Quota(max_send_rate=10, max_24_hour_send=50000, sent_last_24_hours=0))
    redis_client.flushdb()  # a Redis restart: no rate stored
    calls: list[float] = []
    ratelimit.set_rate_source(lambda: calls.append(time.time()) or quota.known_rate())
    try:
        threads = [threading.Thread(target=timed, args=(1,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    finally:
        ratelimit.set_rate_source(quota.known_rate)
    assert len(calls) == 1  # single-flight: one process reads the database
    assert get_limiter().rate() == 10.0  # not the 1/s fallback


@pytest.mark.django_db
def test_with_no_rate_known_anywhere_the_limiter_paces_at_the_fallback(settings, redis_client):
    settings.MAILROOM_MAX_SEND_RATE = None
    ratelimit.set_rate_source(lambda: None)
    try:
        assert timed(1) < 0.2
        assert get_limiter().rate() is None  # nothing made up is stored
    finally:
        ratelimit.set_rate_source(quota.known_rate)
