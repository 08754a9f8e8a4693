"""Transient bounces counted per address until they become a ``soft_bounce_limit`` suppression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from mailer.conf import SuppressionSettings, get_suppression_settings
from mailer.models import SoftBounce, Unsubscribe
from mailer.suppression.store import Entry, suppress_in_order

Reason = Unsubscribe.Reason


@dataclass(frozen=True)
class Observed:
    """A fact about an address's run: a transient bounce at ``at``, or a delivery (it ends it)."""

    address: str
    at: datetime
    source: str = ""
    delivered: bool = False


def record_transient(address: str, at: datetime, source: str) -> Unsubscribe | None:
    """Count one transient bounce of normalised ``address`` at ``at``; the suppression if due.

    A run of transient bounces starts with the first one and ends when a delivery to the address
    is reported (``clear``) or when no transient bounce comes for a whole grace period. Within a
    run the address is suppressed once N bounces (MAILROOM_SOFT_BOUNCE_LIMIT) fall within the
    window (MAILROOM_SOFT_BOUNCE_WINDOW_DAYS), or once a bounce comes a grace period
    (MAILROOM_SOFT_BOUNCE_GRACE_DAYS, at most 30) or more after the run's first one.
    """
    with transaction.atomic():
        due = apply_many([Observed(address, at, source)])
        if not due:
            return None
        suppress_in_order([(entry, now) for _, entry, now in due])
        return Unsubscribe.objects.get(address=address)


def clear(address: str) -> bool:
    """Forget the run of ``address`` (a delivery was reported, or its suppression was lifted)."""
    deleted, _ = SoftBounce.objects.filter(address=address).delete()
    return bool(deleted)


def apply_many(facts: Sequence[Observed]) -> list[tuple[int, Entry, datetime]]:
    """Apply ``facts`` in order, as one call each would, in a few statements for all of them.

    Returns the suppressions that came due, as (index of the fact, entry, time) for the caller
    to add in order with its others; the runs are written here (caller's transaction).
    """
    conf = get_suppression_settings()
    runs = _locked_runs(facts)
    due: list[tuple[int, Entry, datetime]] = []
    for index, fact in enumerate(facts):
        run = None if fact.delivered else _bounced(runs.get(fact.address), fact, conf)
        runs[fact.address] = run
        if run is not None and limit_reached(run, fact.at, conf):
            runs[fact.address] = None
            entry = Entry(fact.address, Reason.SOFT_BOUNCE_LIMIT, source=_summary(run))
            due.append((index, entry, fact.at))
    _write(runs)
    return due


def _locked_runs(facts: Sequence[Observed]) -> dict[str, SoftBounce | None]:
    """The stored runs of the facts' addresses, locked (a placeholder row locks a new one)."""
    bounced = {fact.address: fact.at for fact in reversed(facts) if not fact.delivered}
    SoftBounce.objects.bulk_create(
        [SoftBounce(address=a, first_at=at, last_at=at) for a, at in sorted(bounced.items())],
        ignore_conflicts=True,
    )
    addresses = sorted({fact.address for fact in facts})
    locked = SoftBounce.objects.select_for_update().filter(address__in=addresses)
    runs: dict[str, SoftBounce | None] = dict.fromkeys(addresses)
    runs.update({run.address: run for run in locked.order_by("address") if run.count})
    return runs


def _bounced(run: SoftBounce | None, fact: Observed, conf: SuppressionSettings) -> SoftBounce:
    if run is None:
        run = SoftBounce(address=fact.address, first_at=fact.at, last_at=fact.at)
    elif fact.at - run.last_at > conf.soft_bounce_grace:
        _restart(run, fact.at)
    _add(run, fact.at, fact.source, conf.soft_bounce_limit)
    return run


def _write(runs: dict[str, SoftBounce | None]) -> None:
    """Store the runs still open (one upsert) and delete the ones that ended (one DELETE)."""
    ended = [address for address, run in runs.items() if run is None]
    if ended:
        SoftBounce.objects.filter(address__in=ended).delete()
    open_runs = [run for run in runs.values() if run is not None]
    for run in open_runs:
        run.pk = None
    SoftBounce.objects.bulk_create(
        open_runs,
        update_conflicts=True,
        unique_fields=["address"],
        update_fields=["count", "first_at", "last_at", "recent", "source"],
    )


def limit_reached(run: SoftBounce, at: datetime, conf: SuppressionSettings) -> bool:
    """N bounces within the window, or a problem lasting the grace period."""
    recent = sorted(datetime.fromisoformat(t) for t in run.recent)
    limit = conf.soft_bounce_limit
    if len(recent) >= limit and recent[-1] - recent[-limit] <= conf.soft_bounce_window:
        return True
    return at - run.first_at >= conf.soft_bounce_grace


def _restart(run: SoftBounce, at: datetime) -> None:
    run.count, run.first_at, run.last_at, run.recent = 0, at, at, []


def _add(run: SoftBounce, at: datetime, source: str, limit: int) -> None:
    run.count += 1
    run.first_at, run.last_at = min(run.first_at, at), max(run.last_at, at)
    stamps = sorted([*run.recent, at.astimezone(UTC).isoformat()], key=datetime.fromisoformat)
    run.recent = stamps[-limit:]
    run.source = source[:500]


def _summary(run: SoftBounce) -> str:
    since = f"{run.first_at:%Y-%m-%d %H:%M} UTC"
    return f"{run.count} transient bounces since {since}; last: {run.source}"
