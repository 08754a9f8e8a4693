"""The guard's state, read from its latest account event and cached: is bulk mail allowed?"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils.dateparse import parse_datetime

from mailer.reputation.models import GuardEvent

Action = GuardEvent.Action
CACHE_KEY = "reputation:guard"
CACHE_SECONDS = 10
ACCOUNT_ACTIONS = (Action.WARNED, Action.RECOVERED, Action.HELD, Action.RESUMED)
OK, WARNING, HELD = "ok", "warning", "held"
LEVELS: dict[str, str] = {Action.WARNED: WARNING, Action.HELD: HELD}


@dataclass(frozen=True)
class GuardState:
    """``level`` is ok, warning or held (bulk mail held); since when, and why."""

    level: str = OK
    since: datetime | None = None
    reason: str = ""

    @property
    def held(self) -> bool:
        return self.level == HELD

    def as_dict(self) -> dict[str, str | None]:
        """JSON-serialisable."""
        return {**asdict(self), "since": self.since.isoformat() if self.since else None}


def latest_account_event() -> GuardEvent | None:
    """The newest event that set the account's level."""
    events = GuardEvent.objects.filter(campaign_id__isnull=True, action__in=ACCOUNT_ACTIONS)
    return events.order_by("-created_at", "-id").first()


def read() -> GuardState:
    """The guard's state from the database (uncached)."""
    event = latest_account_event()
    if event is None:
        return GuardState()
    return GuardState(LEVELS.get(event.action, OK), event.created_at, event.reason)


def current() -> GuardState:
    """The guard's state (cached for a few seconds; every change clears the cache)."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return GuardState(cached["level"], parse_datetime(cached["since"] or ""), cached["reason"])
    state = read()
    cache.set(CACHE_KEY, state.as_dict(), CACHE_SECONDS)
    return state


def bulk_allowed() -> bool:
    """False while the guard holds bulk mail (the drain of the bulk lane then claims nothing)."""
    return not current().held


def changed() -> None:
    """Forget the cached state now, and again once the current transaction commits (a reader
    may have cached the old state meanwhile)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
