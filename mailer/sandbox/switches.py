"""Fault switches that last a while (unlike queued faults): a share of sends failing with a
5xx, credentials refused for a window, and answers that come late after the send was accepted.

They model what production meets: an SES brown-out, a key rotation gone wrong, a slow network
after SES took the message. Each is set for a time or a count and switches itself off.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from .errors import lookup


@dataclass
class _State:
    error_ratio: float = 0.0
    error_code: str = "ServiceUnavailable"
    refuse_until: float = 0.0
    slow_seconds: float = 0.0
    slow_remaining: int = 0


class Switches:
    """Thread-safe fault switches consulted by the server (credentials) and by each send."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    def set_error_ratio(self, ratio: float, code: str = "ServiceUnavailable") -> None:
        """Answer this share (0..1) of sends with ``code`` (a 5xx by default), at random."""
        if not 0 <= ratio <= 1:
            raise ValueError("ratio must be between 0 and 1")
        lookup(code)  # unknown codes fail here, not on the next send
        with self._lock:
            self._state.error_ratio, self._state.error_code = ratio, code

    def refuse_credentials(self, seconds: float) -> None:
        """Answer every SES/SNS request with InvalidClientTokenId for ``seconds`` from now."""
        with self._lock:
            self._state.refuse_until = time.monotonic() + max(0.0, seconds)

    def slow_answers(self, seconds: float, count: int = 1) -> None:
        """Accept the next ``count`` sends, then wait ``seconds`` before answering."""
        if count < 0 or seconds < 0:
            raise ValueError("seconds and count must not be negative")
        with self._lock:
            self._state.slow_seconds, self._state.slow_remaining = seconds, count

    def refusing(self) -> bool:
        """Whether credentials are being refused now."""
        return time.monotonic() < self._state.refuse_until

    def error_for_send(self) -> str | None:
        """The error code this send should get from the error ratio, if any."""
        state = self._state
        if state.error_ratio and random.random() < state.error_ratio:
            return state.error_code
        return None

    def take_slow_answer(self) -> float:
        """Seconds to hold this accepted send's answer back (0: answer at once)."""
        with self._lock:
            if self._state.slow_remaining <= 0:
                return 0.0
            self._state.slow_remaining -= 1
            return self._state.slow_seconds

    def describe(self) -> dict[str, float | int | str]:
        """The switches as they stand, for the inspection endpoint."""
        with self._lock:
            state = self._state
            return {
                "error_ratio": state.error_ratio,
                "error_code": state.error_code,
                "refusing_for": round(max(0.0, state.refuse_until - time.monotonic()), 3),
                "slow_seconds": state.slow_seconds,
                "slow_remaining": state.slow_remaining,
            }

    def apply(self, spec: dict[str, Any]) -> None:
        """Set switches from a JSON body: error_ratio (+ error_code), refuse_credentials_for,
        slow_answers {seconds, count}."""
        if "error_ratio" in spec:
            self.set_error_ratio(
                float(spec["error_ratio"]), spec.get("error_code", "ServiceUnavailable")
            )
        if "refuse_credentials_for" in spec:
            self.refuse_credentials(float(spec["refuse_credentials_for"]))
        if "slow_answers" in spec:
            slow = spec["slow_answers"]
            self.slow_answers(float(slow["seconds"]), int(slow.get("count", 1)))
