"""Writes to the suppression list: add one, add many, remove with an audit record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mailer.models import SoftBounce, Unsubscribe, UnsubscribeRemoval
from mailer.suppression.ses_sync import removal as ses_removal

Reason = Unsubscribe.Reason
Scope = Unsubscribe.Scope
SOURCE_MAX = Unsubscribe._meta.get_field("source").max_length
CHUNK = 1000


@dataclass(frozen=True)
class Entry:
    """A suppression to add; ``address`` must already be normalised (``suppression.addresses``)."""

    address: str
    reason: str
    scope: str = Scope.ALL
    source: str = ""
    note: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """How many suppressions a write created, strengthened or left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


def suppress(entry: Entry, now: datetime | None = None) -> Unsubscribe:
    """Suppress one address, or strengthen its existing suppression (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        row, created = Unsubscribe.objects.select_for_update().get_or_create(
            address=entry.address, defaults=_fields(entry, now)
        )
        if not created and outranks(entry, row, now):
            _overwrite(row, entry, now)
    return row


def suppress_many(entries: Sequence[Entry], now: datetime | None = None) -> Outcome:
    """Suppress many addresses in the caller's transaction (the admin import uses it)."""
    now = now or timezone.now()
    totals = Outcome()
    for start in range(0, len(entries), CHUNK):
        totals += _suppress_chunk(entries[start : start + CHUNK], now)
    return totals


def suppress_in_order(entries: Sequence[tuple[Entry, datetime]]) -> int:
    """Apply ``(entry, now)`` pairs as ``suppress(entry, now)`` one after the other would, in a
    few statements (the feedback batch); returns how many rows were created or strengthened."""
    addresses = sorted({entry.address for entry, _ in entries})
    with transaction.atomic(savepoint=False):
        locked = Unsubscribe.objects.select_for_update().filter(address__in=addresses)
        existing = {row.address: row for row in locked.order_by("address")}
        fresh: dict[str, Unsubscribe] = {}
        stronger: dict[str, Unsubscribe] = {}
        for entry, now in entries:
            row = existing.get(entry.address) or fresh.get(entry.address)
            if row is None:
                fresh[entry.address] = Unsubscribe(address=entry.address, **_fields(entry, now))
            elif outranks(entry, row, now):
                _assign(row, entry, now)
                if row.pk is not None:
                    stronger[entry.address] = row
        Unsubscribe.objects.bulk_create(fresh.values(), ignore_conflicts=True)
        for row in stronger.values():
            row.save()
    return len(fresh) + len(stronger)


def outranks(entry: Entry, row: Unsubscribe, now: datetime) -> bool:
    """True if ``entry`` blocks more than ``row`` does: row expired, wider scope, longer life."""
    if row.expires_at is not None and row.expires_at <= now:
        return True
    if row.scope != entry.scope:
        return entry.scope == Scope.ALL
    return row.expires_at is not None and (
        entry.expires_at is None or entry.expires_at > row.expires_at
    )


def remove(
    rows: Iterable[Unsubscribe], note: str, user: User, now: datetime | None = None
) -> int:
    """Lift suppressions, keeping an audit record (who, when, why) of each; returns the count."""
    if not note.strip():
        raise ValueError("A note saying why the suppression is removed is required.")
    now = now or timezone.now()
    ids = [row.pk for row in rows]
    with transaction.atomic():
        locked = list(Unsubscribe.objects.select_for_update().filter(pk__in=ids))
        UnsubscribeRemoval.objects.bulk_create(_removal(row, note, user, now) for row in locked)
        addresses = [row.address for row in locked]
        SoftBounce.objects.filter(address__in=addresses).delete()
        Unsubscribe.objects.filter(pk__in=[row.pk for row in locked]).delete()
        ses_removal.request(addresses, user.get_username(), now)  # and from SES's list
    return len(locked)


def _suppress_chunk(entries: Sequence[Entry], now: datetime) -> Outcome:
    unique = {entry.address: entry for entry in entries}
    existing = Unsubscribe.objects.select_for_update().in_bulk(list(unique), field_name="address")
    fresh = [
        Unsubscribe(address=a, **_fields(e, now)) for a, e in unique.items() if a not in existing
    ]
    Unsubscribe.objects.bulk_create(fresh, ignore_conflicts=True)
    stronger = [(row, unique[a]) for a, row in existing.items() if outranks(unique[a], row, now)]
    for row, entry in stronger:
        _overwrite(row, entry, now)
    return Outcome(len(fresh), len(stronger), len(existing) - len(stronger))


def _fields(entry: Entry, now: datetime) -> dict[str, Any]:
    return {
        "reason": entry.reason,
        "scope": entry.scope,
        "source": entry.source[:SOURCE_MAX],
        "note": entry.note,
        "created_at": now,
        "expires_at": entry.expires_at,
    }


def _overwrite(row: Unsubscribe, entry: Entry, now: datetime) -> None:
    _assign(row, entry, now)
    row.save()


def _assign(row: Unsubscribe, entry: Entry, now: datetime) -> None:
    for name, value in _fields(replace(entry, note=entry.note or row.note), now).items():
        setattr(row, name, value)


def _removal(
    row: Unsubscribe, note: str, user: User, now: datetime
) -> UnsubscribeRemoval:
    return UnsubscribeRemoval(
        address=row.address,
        reason=row.reason,
        scope=row.scope,
        source=row.source,
        suppressed_at=row.created_at,
        note=note.strip(),
        removed_by=user,
        removed_by_name=user.get_username(),
        removed_at=now,
    )
