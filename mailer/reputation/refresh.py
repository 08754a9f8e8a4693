"""The minute's work: measure every stream, store the snapshot, run the guard, update the days."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from mailer.reputation import daily, evaluation, rates, snapshots

LOCK_KEY = "reputation:refresh"
LOCK_SECONDS = 55


def run(now: datetime | None = None) -> dict[str, Any]:
    """One refresh; skipped if another is still running (a slow one must not overlap)."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return {"skipped": True}
    try:
        return _run(now or timezone.now())
    finally:
        cache.delete(LOCK_KEY)


def _run(now: datetime) -> dict[str, Any]:
    start = rates.window_start(now)
    streams = rates.by_stream(start)
    snapshots.store(streams, start, now)
    events = evaluation.evaluate(streams, start)
    return {
        "streams": len(streams),
        "events": [e.action for e in events],
        "days": daily.refresh(now),
        "pruned": snapshots.prune(now),
    }
