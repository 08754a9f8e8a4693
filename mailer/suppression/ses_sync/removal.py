"""Removal follows the operator: an address lifted from Mailroom's list is deleted from SES's.

``request`` runs inside the removal's own transaction, so no removal can be committed without
its SES deletion being recorded; ``run_due`` then deletes at SES (the task queued on commit,
and beat after it). A failure stays recorded, with its error, shown in the admin and retried
with a growing delay; it is never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from mailer.aws import account_suppressions
from mailer.exceptions import SESError
from mailer.models import SesListed, SesRemoval
from mailer.suppression.ses_sync import state
from mailer.suppression.ses_sync.retry import Tally, patiently

FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)


@dataclass
class RemovalResult:
    """What one run did: deleted at SES, not listed there, failed (address: error)."""

    deleted: int = 0
    not_listed: int = 0
    throttles: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"removal: {self.deleted} deleted from SES's list, {self.not_listed} not listed "
            f"there, {len(self.failed)} failed (kept and retried)"
        )


def request(addresses: Iterable[str], by: str, now: datetime | None = None) -> int:
    """Record that these normalised addresses must leave SES's list (call in a transaction)."""
    rows = [
        SesRemoval(address=a, requested_by_name=by, requested_at=now or timezone.now())
        for a in set(addresses)
    ]
    SesRemoval.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["address"],
        update_fields=["requested_by_name", "requested_at", "next_attempt_at"],
    )
    return len(rows)


def run_due(now: datetime | None = None, limit: int | None = None) -> RemovalResult:
    """Delete at SES every recorded removal whose time has come (oldest first)."""
    now = now or timezone.now()
    due = SesRemoval.objects.filter(next_attempt_at__lte=now).order_by("requested_at", "pk")
    result, tally = RemovalResult(), Tally()
    for removal in due[:limit] if limit else due:
        _remove_one(removal, result, tally)
    result.throttles = tally.throttles
    if not result.failed:
        state.clear_error("removal")
    return result


def pending() -> list[SesRemoval]:
    """The removals not yet done at SES, failed ones first (for the admin)."""
    return list(SesRemoval.objects.order_by("-attempts", "requested_at")[:100])


def _remove_one(removal: SesRemoval, result: RemovalResult, tally: Tally) -> None:
    listed = SesListed.objects.filter(address=removal.address).first()
    try:
        found = patiently(lambda: account_suppressions.delete(_spelling(removal, listed)), tally)
    except SESError as exc:
        _failed(removal, exc, result)
        return
    if found:
        result.deleted += 1
    else:
        result.not_listed += 1
    SesListed.objects.filter(address=removal.address).delete()
    SesRemoval.objects.filter(pk=removal.pk, requested_at=removal.requested_at).delete()


def _spelling(removal: SesRemoval, listed: SesListed | None) -> str:
    return listed.ses_address if listed else removal.address


def _failed(removal: SesRemoval, exc: SESError, result: RemovalResult) -> None:
    delay = min(LAST_RETRY, FIRST_RETRY * 2**removal.attempts)
    SesRemoval.objects.filter(pk=removal.pk).update(
        attempts=F("attempts") + 1,
        last_error=str(exc),
        next_attempt_at=timezone.now() + delay,
    )
    result.failed.append(f"{removal.address}: {exc}")
    state.record_error("removal", exc)
