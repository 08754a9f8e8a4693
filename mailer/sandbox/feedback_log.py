"""What the sandbox published over SNS, each delivery attempt and the webhook's answer."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

PENDING, DELIVERED, FAILED, NOT_SENT = "pending", "delivered", "failed", "not sent"


@dataclass
class Published:
    """One SNS message: its body and headers, and how its delivery went."""

    sns_message_id: str
    type: str
    kind: str
    ses_message_id: str
    recipients: list[str]
    topic_arn: str
    url: str | None
    body: str
    headers: dict[str, str]
    created_at: float = field(default_factory=time.time)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    outcome: str = PENDING


class FeedbackLog:
    """A thread-safe list of Published entries with delivery counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Published] = []

    def add(self, entry: Published) -> None:
        """Remember a new message."""
        with self._lock:
            self._entries.append(entry)

    def get(self, sns_message_id: str) -> Published | None:
        """The entry with this SNS MessageId, if any."""
        with self._lock:
            return next((e for e in self._entries if e.sns_message_id == sns_message_id), None)

    def attempt(self, entry: Published, status: int | None, error: str | None) -> None:
        """Record one POST: the HTTP status the webhook answered, or why there was none."""
        with self._lock:
            entry.attempts.append({"at": time.time(), "status": status, "error": error})
            entry.status = status

    def finish(self, entry: Published, outcome: str) -> None:
        """Mark a message delivered, failed or not sent."""
        with self._lock:
            entry.outcome = outcome

    def entries(self, last: int | None = None) -> list[dict[str, Any]]:
        """Copies of the entries, oldest first (only the `last` N if given)."""
        with self._lock:
            chosen = self._entries[-last:] if last else self._entries
            return [asdict(entry) for entry in chosen]

    def counts(self) -> dict[str, int]:
        """How many messages were published, delivered, failed, and are pending."""
        with self._lock:
            outcomes = [entry.outcome for entry in self._entries]
        return {
            "notifications_published": len(outcomes),
            "notifications_delivered": outcomes.count(DELIVERED),
            "notifications_failed": outcomes.count(FAILED),
            "notifications_pending": outcomes.count(PENDING),
        }

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
