"""The account-wide SES send-rate limit and its shared state, held in Redis for every worker.

``get_limiter().wait(weight, lane=..., deadline=...)`` blocks until ``weight`` recipients may
be sent (False if not before ``deadline``, or while sending is paused); ``cool_down(seconds)``
after SES throttled us. ``get_state()`` holds the pause, the last quota read and the counters.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import redis

from mailer.aws.account import Quota
from mailer.clients import redis_client, shared
from mailer.conf import get_settings
from mailer.exceptions import RateLimiterUnavailable
from mailer.lanes import BULK, TRANSACTIONAL, Lane

logger = logging.getLogger(__name__)

# Why no library: Celery's rate_limit is per worker process and counts tasks; django-ses's
# throttle is per process and counts messages; limits / redis-cell / pyrate-limiter answer
# "allowed now?" for unit costs, but SES needs a weight per call (recipients), even pacing with
# a slot booked a little ahead (so waiting workers neither spin nor burst), two lanes sharing
# one account rate, and Redis's own clock so the dynos' clocks do not matter.
#
# GCRA with reservations: TAT (the theoretical arrival time) is when the account's next
# recipient may go; a caller takes the slot at max(TAT, now) and pushes TAT by weight / rate,
# so sends are spaced evenly, never in a burst. A slot is booked at most a short horizon
# ahead (else: retry later), so however many threads and dynos wait, a stalled process can
# only bunch that much, and the bulk horizon is the shorter one: transactional mail never
# queues behind bulk bookings. Bulk is also held to its own TAT at (1 - share) * rate while
# transactional mail was booked within the idle window. A slot left unused (every sender
# late) may still be taken up to a short catch-up time after it, so jitter costs no rate.
# KEYS: tat, bulk tat, transactional busy until, stored rate, pause.
# ARGV: lane, weight, max wait ms, rate, use the stored rate (1/0), share, idle ms, horizon ms,
# catch-up ms.
# Returns {status, ms}: 1 granted (sleep ms), 0 retry after ms, -1 not before the deadline,
# -2 paused, -3 the stored rate is missing (Redis restarted empty): restore it, then retry.
_RESERVE = """
if redis.call('EXISTS', KEYS[5]) == 1 then return {-2, '0'} end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local rate = tonumber(ARGV[4])
if ARGV[5] == '1' then
  local stored = redis.call('GET', KEYS[4])
  if not stored then return {-3, '0'} end
  rate = tonumber(stored)
end
local weight, max_wait, horizon = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[8])
local bulk = ARGV[1] == 'bulk'
local start = math.max(tonumber(redis.call('GET', KEYS[1])) or 0, now - tonumber(ARGV[9]))
local busy = now < (tonumber(redis.call('GET', KEYS[3])) or 0) + tonumber(ARGV[7])
if bulk and busy then start = math.max(start, tonumber(redis.call('GET', KEYS[2])) or 0) end
local wait = start - now
if wait > max_wait then return {-1, string.format('%.3f', wait)} end
if wait > horizon then return {0, string.format('%.3f', wait - horizon)} end
local function put(key, at)
  redis.call('SET', key, string.format('%.3f', at), 'PX', math.ceil(at - now) + 60000)
end
local tat = start + weight * 1000 / rate
put(KEYS[1], tat)
if bulk then put(KEYS[2], start + weight * 1000 / (rate * (1 - tonumber(ARGV[6]))))
else put(KEYS[3], tat) end
return {1, string.format('%.3f', math.max(wait, 0))}
"""

# Push TAT ``ms`` past max(TAT, now): a gap after the slots already granted. Once per ``ms``
# window, so a volley of throttled sends cools down once. KEYS: tat, cooling. ARGV: ms.
_COOL_DOWN = """
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local tat = math.max(tonumber(redis.call('GET', KEYS[1])) or 0, now) + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 60000)
return 1
"""

PREFIX = "mailroom:ratelimit:"
TAT_KEY, BULK_TAT_KEY = PREFIX + "tat", PREFIX + "bulk_tat"
BUSY_KEY, COOLING_KEY = PREFIX + "transactional_until", PREFIX + "cooling"
RATE_KEY, PAUSE_KEY = PREFIX + "rate", PREFIX + "pause"
QUOTA_KEY, COUNTERS_KEY = PREFIX + "quota", PREFIX + "counters"
QUOTA_FIELDS = ("max_send_rate", "max_24_hour_send", "sent_last_24_hours")
GRANTED, RETRY, TOO_LATE, PAUSED, NO_RATE = 1, 0, -1, -2, -3
RESTORE_KEY = PREFIX + "restoring"
# One process restores a missing rate; the others wait this long between looks.
RESTORE_POLL_SECONDS = 0.02
RESTORE_LOCK_MS = 5000
# Bulk may use the transactional share only when no transactional slot was taken this long ago.
TRANSACTIONAL_IDLE_SECONDS = 1.0
# How far ahead a sender may book its slot. Bulk's is the most a transactional email waits
# for bulk; transactional's bounds what one stalled process can send late at once.
HORIZON_SECONDS: dict[Lane, float] = {TRANSACTIONAL: 0.25, BULK: 0.1}
# A slot nobody took (every sender late, busy or stalled) may still be used this long after.
CATCH_UP_SECONDS = 0.1


@contextmanager
def _redis_errors() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise RateLimiterUnavailable(f"Redis (the shared rate limit) is down: {exc}") from exc


class RateLimiter:
    """Paces sends evenly at the account rate, in recipients per second, for every worker."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._reserve = client.register_script(_RESERVE)
        self._cool_down = client.register_script(_COOL_DOWN)

    def wait(self, weight: int, *, lane: Lane, deadline: float) -> bool:
        """Block until ``weight`` recipients may go; False if not before ``deadline`` (epoch s)
        or while sending is paused. Raises RateLimiterUnavailable if Redis is down."""
        use_stored = True
        while True:
            status, ms = self._try(weight, lane, deadline, use_stored)
            if status == NO_RATE:
                use_stored = self._restore_rate()
                continue
            if status == RETRY:
                time.sleep(ms / 1000 + random.uniform(0, 0.01))
                continue
            if status == GRANTED:
                time.sleep(ms / 1000)
            return status == GRANTED

    def _restore_rate(self) -> bool:
        """The stored rate is gone (Redis restarted empty): one process, single-flight, puts
        back the last rate known (``set_rate_source``, the database); the others wait for it.
        False (pace at the fallback for now) if no rate is known."""
        with _redis_errors():
            if self.client.set(RESTORE_KEY, "restoring", nx=True, px=RESTORE_LOCK_MS):
                if self.client.exists(RATE_KEY):  # restored while this caller queued for the lock
                    self.client.delete(RESTORE_KEY)
                    return True
                rate = _known_rate()
                if rate:
                    self.set_rate(rate, only_if_missing=True)
                    self.client.delete(RESTORE_KEY)
                    return True
                self.client.set(RESTORE_KEY, "unknown", xx=True, px=RESTORE_LOCK_MS)
                return False
            if self.client.get(RESTORE_KEY) == b"unknown":
                return False
        time.sleep(RESTORE_POLL_SECONDS)
        return True

    def _try(
        self, weight: int, lane: Lane, deadline: float, use_stored: bool = True
    ) -> tuple[int, float]:
        conf = get_settings()
        lane = BULK if lane == BULK else TRANSACTIONAL
        max_wait_ms = max(0.0, deadline - time.time()) * 1000
        args = [
            lane, max(weight, 1), max_wait_ms,
            conf.send_rate(None), int(use_stored and not conf.max_send_rate),
            conf.transactional_share,
            TRANSACTIONAL_IDLE_SECONDS * 1000, HORIZON_SECONDS[lane] * 1000,
            CATCH_UP_SECONDS * 1000,
        ]
        keys = [TAT_KEY, BULK_TAT_KEY, BUSY_KEY, RATE_KEY, PAUSE_KEY]
        with _redis_errors():
            status, ms = self._reserve(keys=keys, args=args)
        return int(status), float(ms)

    def cool_down(self, seconds: float) -> bool:
        """Leave ``seconds`` unused after the slots already granted (SES said we were too fast);
        False if another sender cooled down within the last ``seconds``."""
        with _redis_errors():
            return bool(self._cool_down(keys=[TAT_KEY, COOLING_KEY], args=[int(seconds * 1000)]))

    def set_rate(self, rate: float, *, only_if_missing: bool = False) -> None:
        """Store the account rate (recipients/s) every worker paces at."""
        with _redis_errors():
            self.client.set(RATE_KEY, repr(float(rate)), nx=only_if_missing)

    def rate(self) -> float | None:
        """The stored rate, or None if no quota refresh stored one yet."""
        with _redis_errors():
            raw = self.client.get(RATE_KEY)
        return float(raw) if raw is not None else None


@dataclass(frozen=True)
class Pause:
    """Sending is paused for ``seconds_left`` more seconds because of ``reason``."""

    reason: str
    seconds_left: float


class SharedState:
    """The other facts every worker shares: the pause, the last quota read, outcome counters."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def pause(self, seconds: float, reason: str, *, only_if_none: bool = False) -> bool:
        """Stop every worker's sends for ``seconds`` (Redis expires the pause by itself);
        False if ``only_if_none`` and a pause was already in force."""
        with _redis_errors():
            return bool(
                self.client.set(PAUSE_KEY, reason, px=max(1, int(seconds * 1000)),
                                nx=only_if_none)
            )  # fmt: skip

    def resume(self) -> bool:
        """End the pause now; False if there was none."""
        with _redis_errors():
            return bool(self.client.delete(PAUSE_KEY))

    def pause_state(self) -> Pause | None:
        with _redis_errors():
            pipe = self.client.pipeline()
            pipe.get(PAUSE_KEY)
            pipe.pttl(PAUSE_KEY)
            reason, ttl_ms = pipe.execute()
        if reason is None or ttl_ms < 0:
            return None
        return Pause(reason.decode(), ttl_ms / 1000)

    def save_quota(self, quota: Quota) -> None:
        with _redis_errors():
            self.client.hset(QUOTA_KEY, mapping={k: repr(v) for k, v in asdict(quota).items()})

    def quota(self) -> Quota | None:
        """The quota a worker read last (None before the first read)."""
        with _redis_errors():
            raw = self.client.hgetall(QUOTA_KEY)
        try:
            return Quota(**{field: float(raw[field.encode()]) for field in QUOTA_FIELDS})
        except KeyError:
            return None

    def count(self, kind: str, n: int = 1) -> None:
        with _redis_errors():
            self.client.hincrby(COUNTERS_KEY, kind, n)

    def counters(self) -> dict[str, int]:
        with _redis_errors():
            raw = self.client.hgetall(COUNTERS_KEY)
        return {_text(k): int(v) for k, v in raw.items()}


def _no_rate_source() -> float | None:
    return None


_rate_source: Callable[[], float | None] = _no_rate_source


def _known_rate() -> float | None:
    try:
        return _rate_source()
    except Exception:  # the database is down too: pace at the fallback rather than fail mail
        logger.warning("Cannot read the last known send rate.", exc_info=True)
        return None


def set_rate_source(source: Callable[[], float | None]) -> None:
    """Where the limiter finds the account rate when Redis lost it (``quota.known_rate``:
    the database). Set once, when the app is ready; the limiter itself knows no models."""
    global _rate_source
    _rate_source = source


def get_limiter() -> RateLimiter:
    """The process's limiter, on the process's Redis client (``mailer.clients``)."""
    url = get_settings().redis_url
    return shared(("limiter", url), lambda: RateLimiter(redis_client()))


def get_state() -> SharedState:
    """The process's handle on the shared pause, quota and counters."""
    url = get_settings().redis_url
    return shared(("shared-state", url), lambda: SharedState(redis_client()))


def _text(key: bytes | str) -> str:
    """A hash field name as redis-py returns it (bytes: the client does not decode)."""
    return key.decode() if isinstance(key, bytes) else key
