"""The account-wide SES send-rate limiter, shared by every worker through Redis.

Interface used by ``mailer.sending``: ``get_limiter().wait(weight, lane=..., deadline=...)``
blocks until ``weight`` recipients may be sent (False if that would pass ``deadline``), and
``get_limiter().cool_down(seconds)`` after SES throttled us.
"""

from __future__ import annotations

import threading
import time

import redis

from mailer.conf import get_settings
from mailer.lanes import Lane

# GCRA with reservations, in one Lua script so the read-modify-write is atomic across dynos.
# No library fits: Celery's rate_limit is per worker and counts tasks; limits/redis-cell count
# requests, not a weight per call, and none reserve a future slot (which keeps workers FIFO).
_RESERVE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000 + tonumber(now_t[2]) / 1000
local rate = tonumber(redis.call('GET', KEYS[2]) or ARGV[1])
local weight = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > max_wait then return {0, tostring(wait)} end
local new_tat = tat + weight * 1000 / rate
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 60000)
return {1, tostring(wait)}
"""

TAT_KEY = "mailroom:ratelimit:tat"
RATE_KEY = "mailroom:ratelimit:rate"


class RateLimiter:
    """Paces sends evenly at the account rate, in recipients per second."""

    def __init__(self, client: redis.Redis, default_rate: float = 1.0) -> None:
        self.client = client
        self.default_rate = default_rate
        self._reserve = client.register_script(_RESERVE)

    def wait(self, weight: int, *, lane: Lane, deadline: float) -> bool:
        """Block until ``weight`` recipients may go; False if not before ``deadline`` (epoch s)."""
        max_wait = max(0.0, deadline - time.time())
        granted, wait_ms = self._reserve(
            keys=[TAT_KEY, RATE_KEY], args=[self.default_rate, max(weight, 1), max_wait * 1000]
        )
        if not int(granted):
            return False
        time.sleep(float(wait_ms) / 1000)
        return True

    def cool_down(self, seconds: float) -> None:
        """Push the next free slot ``seconds`` into the future (SES said we were too fast)."""
        now = time.time() * 1000
        self.client.set(TAT_KEY, str(now + seconds * 1000), px=int(seconds * 1000) + 60000)

    def set_rate(self, rate: float) -> None:
        self.client.set(RATE_KEY, str(rate))


_lock = threading.Lock()
_limiters: dict[str, RateLimiter] = {}


def get_limiter() -> RateLimiter:
    """The process's limiter (one Redis connection pool per process)."""
    conf = get_settings()
    with _lock:
        limiter = _limiters.get(conf.redis_url)
        if limiter is None:
            client = redis.Redis.from_url(conf.redis_url)
            rate = (conf.max_send_rate or 1.0) * conf.rate_headroom
            limiter = _limiters[conf.redis_url] = RateLimiter(client, default_rate=rate)
    return limiter
