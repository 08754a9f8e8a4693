"""Everything the sandbox remembers: accepted mail, counters, limits, faults, account, feedback."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .account import Account
from .errors import Fault, SandboxError, lookup
from .feedback import FeedbackConfig, FeedbackHub
from .limits import SlidingSum, TokenBucket
from .submission import Submission
from .suppression import AccountSuppressionList
from .switches import Switches

log = logging.getLogger(__name__)
DAY = 86400.0
STAT_KEYS = ("accepted", "accepted_recipients", "throttled", "rejected", "errors")


@dataclass(frozen=True)
class Limits:
    """The account's limits: enforced ones, and what GetSendQuota reports."""

    max_send_rate: float | None = None
    max_24h_send: int | None = None
    reported_max_send_rate: float | None = None


@dataclass
class PendingFault:
    """A queued error answer for the next `remaining` matching send requests."""

    fault: Fault
    remaining: int
    match: str | None

    def applies_to(self, recipients: list[str]) -> bool:
        """True when no match is set or a recipient contains it (case-insensitively)."""
        needle = (self.match or "").lower()
        return not needle or any(needle in r.lower() for r in recipients)


def message_id() -> str:
    """An id shaped like SES's."""
    return f"{int(time.time() * 1000):016x}-{uuid.uuid4()}-000000"


class SandboxState:
    """Thread-safe store behind both protocols and the inspection endpoints."""

    def __init__(
        self,
        limits: Limits,
        keep_raw: bool = True,
        on_accept: Callable[[dict[str, Any]], None] | None = None,
        account: Account | None = None,
        feedback: FeedbackHub | None = None,
    ) -> None:
        self.limits = limits
        self.keep_raw = keep_raw
        self.on_accept = on_accept
        self.account = account or Account()
        self.feedback = feedback or FeedbackHub(FeedbackConfig())
        self.suppression = AccountSuppressionList()
        self._identities: dict[str, None] = {}
        self._lock = threading.Lock()
        self._bucket = TokenBucket(limits.max_send_rate, time.monotonic())
        self.switches = Switches()
        self.reset()

    def reset(self) -> None:
        """Forget messages, counters, limit history, faults, switches and feedback (identities
        and the account's suppression list stay)."""
        self.feedback.log.clear()
        self.suppression.forget_faults()
        self.switches.reset()
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._stats = dict.fromkeys(STAT_KEYS, 0)
            self._day = SlidingSum(DAY)
            self._second = SlidingSum(1.0)
            self._faults: list[PendingFault] = []
            self._bucket.reset(time.monotonic())

    def submit(self, submission: Submission) -> dict[str, Any]:
        """Accept a send (returning its record) or raise the SandboxError SES would answer."""
        raw = submission.raw_bytes().decode("utf-8", "replace") if self.keep_raw else None
        count = len(submission.destinations)
        if code := self.switches.error_for_send():
            raise SandboxError(code, **submission.context())
        blocked = self.suppression.blocked(submission.destinations)
        with self._lock:
            self._raise_pending_fault(submission)
            now = time.monotonic()
            self._check_limits(count, now)
            record = self._record(submission, raw, count, now)
            if blocked:  # accepted and counted, but not delivered (SES's account list)
                record["account_suppressed"] = sorted(blocked)
        self._simulate(record, submission, blocked)
        self._notify(record)
        if delay := self.switches.take_slow_answer():
            time.sleep(delay)  # accepted, but the answer comes late (past a read timeout)
        return record

    def _raise_pending_fault(self, submission: Submission) -> None:
        for pending in self._faults:
            if pending.applies_to(submission.destinations):
                pending.remaining -= 1
                if pending.remaining <= 0:
                    self._faults.remove(pending)
                raise SandboxError(pending.fault, **submission.context())

    def _check_limits(self, count: int, now: float) -> None:
        quota = self.limits.max_24h_send
        if quota is not None and self._day.current(now) + count > quota:
            raise SandboxError("DailyQuotaExceeded")
        if not self._bucket.take(count, now):
            raise SandboxError("Throttling")

    def _record(
        self, submission: Submission, raw: str | None, count: int, now: float
    ) -> dict[str, Any]:
        record = {
            "message_id": message_id(),
            "source": submission.source,
            "destinations": submission.destinations,
            "subject": submission.subject,
            "api": submission.api,
            "received_at": time.time(),
            "configuration_set": submission.configuration_set,
        }
        if raw is not None:
            record["raw"] = raw
        self._messages.append(record)
        self._stats["accepted"] += 1
        self._stats["accepted_recipients"] += count
        self._day.add(now, count)
        self._second.add(now, count)
        return record

    def _simulate(
        self, record: dict[str, Any], submission: Submission, blocked: frozenset[str]
    ) -> None:
        try:
            self.feedback.accept(record, submission, blocked)
        except Exception:
            log.exception("sandbox mailbox simulator failed for %s", record["message_id"])

    def _notify(self, record: dict[str, Any]) -> None:
        if self.on_accept is None:
            return
        try:
            self.on_accept(dict(record))
        except Exception:
            log.exception("sandbox on_accept hook failed for %s", record["message_id"])

    def count_failure(self, category: str) -> None:
        """Count an error answer under "throttled", "rejected" or "errors"."""
        with self._lock:
            self._stats[category] += 1

    def add_fault(self, code: str, count: int = 1, match: str | None = None) -> None:
        """Answer the next `count` matching send requests with the error `code`."""
        fault = lookup(code)
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults.append(PendingFault(fault, count, match))

    def pending_faults(self) -> list[dict[str, Any]]:
        """The queued faults, for inspection."""
        with self._lock:
            return [
                {"code": p.fault.name, "count": p.remaining, "match": p.match} for p in self._faults
            ]

    def messages(self, last: int | None = None) -> list[dict[str, Any]]:
        """Copies of the accepted message records, oldest first (only the `last` N if given)."""
        with self._lock:
            chosen = self._messages[-last:] if last else self._messages
            return [dict(record) for record in chosen]

    def stats(self) -> dict[str, int]:
        """Counters, the most recipients accepted within any 1-second window, feedback counts."""
        with self._lock:
            counters = {**self._stats, "max_recipients_in_any_1s_window": self._second.peak}
        return counters | self.feedback.log.counts()

    def quota(self) -> dict[str, float]:
        """Max24HourSend, MaxSendRate and SentLast24Hours as SES reports them."""
        limits = self.limits
        rate = limits.reported_max_send_rate or limits.max_send_rate or 1000.0
        with self._lock:
            sent = self._day.current(time.monotonic())
        return {
            "Max24HourSend": float(
                limits.max_24h_send if limits.max_24h_send is not None else 1_000_000
            ),
            "MaxSendRate": float(rate),
            "SentLast24Hours": float(sent),
        }

    def verify_identity(self, identity: str) -> None:
        """Remember an identity (every identity counts as verified)."""
        with self._lock:
            self._identities[identity] = None

    def identities(self) -> list[str]:
        """The identities verified so far, in order."""
        with self._lock:
            return list(self._identities)
