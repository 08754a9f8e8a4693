"""SES's sending limits: a recipient-weighted token bucket and sliding-window sums."""

from __future__ import annotations

from collections import deque


class TokenBucket:
    """Tokens are recipients; capacity is one second's worth, refilled continuously."""

    def __init__(self, rate: float | None, now: float) -> None:
        self.rate = rate
        self.capacity = max(rate or 0.0, 1.0)
        self.reset(now)

    def reset(self, now: float) -> None:
        """Back to a full bucket."""
        self.tokens = self.capacity
        self.stamp = now

    def take(self, count: int, now: float) -> bool:
        """Take `count` tokens if available; a message larger than the bucket needs it full."""
        if self.rate is None:
            return True
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if count <= self.tokens or self.tokens >= self.capacity:
            self.tokens -= count
            return True
        return False


class SlidingSum:
    """The sum of counts added within the last `window` seconds, and its highest value."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.entries: deque[tuple[float, int]] = deque()
        self.total = 0
        self.peak = 0

    def add(self, now: float, count: int) -> None:
        """Record `count` at time `now` (times must not go backwards)."""
        self.entries.append((now, count))
        self.total += count
        self.current(now)
        self.peak = max(self.peak, self.total)

    def current(self, now: float) -> int:
        """The sum over (now - window, now]."""
        while self.entries and now - self.entries[0][0] >= self.window:
            self.total -= self.entries.popleft()[1]
        return self.total
