"""Import SES's account-level suppression list into Mailroom's, incrementally and idempotently.

SES lists entries by last update time; each run asks for those updated since the newest one
already imported (less an overlap, as SES's clock and ordering are its own), page by page.
An address becomes ``ses_suppressed`` (scope all, source naming SES and its reason) unless
Mailroom already blocks it at least as much: a local hard bounce, complaint or manual entry is
never replaced. An address an operator removed after SES last updated it is not brought back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mailer.aws import account_suppressions
from mailer.aws.account_suppressions import Listed
from mailer.exceptions import SESError
from mailer.models import SesListed, SesRemoval, Unsubscribe, UnsubscribeRemoval
from mailer.suppression.addresses import address_or_none
from mailer.suppression.ses_sync import state
from mailer.suppression.ses_sync.retry import Tally, patiently
from mailer.suppression.store import Entry, suppress_many

OVERLAP = timedelta(minutes=5)
SOURCE = "SES account suppression list"


@dataclass
class PullResult:
    """What one pull found and did."""

    full: bool = False
    listed: int = 0
    created: int = 0
    strengthened: int = 0
    unchanged: int = 0
    kept_removed: int = 0
    invalid: int = 0
    forgotten: int = 0
    throttles: int = 0

    def summary(self) -> str:
        kind = "full" if self.full else "incremental"
        return (
            f"{kind} pull: {self.listed} listed at SES, {self.created} new, "
            f"{self.strengthened} strengthened, {self.unchanged} already suppressed, "
            f"{self.kept_removed} removed by an operator (not re-imported), "
            f"{self.invalid} invalid, {self.throttles} throttles waited out"
        )


def pull(since: datetime | None = None, *, full: bool = False) -> PullResult:
    """Read SES's list (updated since ``since``, the cursor, or all) into Mailroom's list.

    A full read also forgets, in the record of what SES has, the addresses SES no longer lists.
    Raises SESError (recorded as the sync's last error) if SES cannot be read even after
    waiting out throttles; pages already read stay imported.
    """
    began = timezone.now()
    cursor = state.load().pull_cursor
    start = since if since is not None else None if full or cursor is None else cursor - OVERLAP
    result, tally = PullResult(full=start is None), Tally()
    try:
        newest = _read_all(start, result, tally)
    except SESError as exc:
        state.record_error("pull", exc)
        raise
    finally:
        result.throttles = tally.throttles
    if result.full:
        result.forgotten = SesListed.objects.filter(seen_at__lt=began).delete()[0]
    _save(result, began, cursor, newest)
    return result


def _read_all(start: datetime | None, result: PullResult, tally: Tally) -> datetime | None:
    newest, token = None, None
    while True:
        page = patiently(partial(account_suppressions.list_page, start, token), tally)
        _import(page.items, result)
        for item in page.items:
            newest = max(newest or item.last_update_time, item.last_update_time)
        token = page.next_token
        if token is None:
            return newest


def _import(items: list[Listed], result: PullResult) -> None:
    """One page in one transaction: remember what SES has, then suppress what is new."""
    found = {}
    for item in items:
        address = address_or_none(item.address)
        if address is None:
            result.invalid += 1
        else:
            found[address] = item
    result.listed += len(items)
    now = timezone.now()
    with transaction.atomic():
        _remember(found, now)
        removed = _removed_since(found)
        entries = [_entry(a, item) for a, item in found.items() if a not in removed]
        outcome = suppress_many(entries, now)
    result.created += outcome.created
    result.strengthened += outcome.updated
    result.unchanged += outcome.unchanged
    result.kept_removed += len(removed)


def _remember(found: dict[str, Listed], now: datetime) -> None:
    rows = [
        SesListed(
            address=address,
            ses_address=item.address,
            reason=item.reason,
            last_update_time=item.last_update_time,
            seen_at=now,
        )
        for address, item in found.items()
    ]
    SesListed.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["address"],
        update_fields=["ses_address", "reason", "last_update_time", "seen_at"],
    )


def _removed_since(found: dict[str, Listed]) -> set[str]:
    """Addresses an operator removed after SES's entry was last updated (or still removing)."""
    pending = set(SesRemoval.objects.filter(address__in=found).values_list("address", flat=True))
    latest = (
        UnsubscribeRemoval.objects.filter(address__in=found)
        .values("address")
        .annotate(at=Max("removed_at"))
    )
    later = {r["address"] for r in latest if r["at"] >= found[r["address"]].last_update_time}
    return pending | later


def _entry(address: str, item: Listed) -> Entry:
    when = item.last_update_time.isoformat(timespec="seconds")
    return Entry(
        address=address,
        reason=Unsubscribe.Reason.SES_SUPPRESSED,
        scope=Unsubscribe.Scope.ALL,
        source=f"{SOURCE}: {item.reason}, updated at SES {when}",
    )


def _save(
    result: PullResult, began: datetime, cursor: datetime | None, newest: datetime | None
) -> None:
    known = [moment for moment in (cursor, newest) if moment is not None]
    fields: dict[str, object] = {
        "pull_cursor": max(known, default=None),
        "last_pull_at": began,
        "last_pull": asdict(result),
    }
    if result.full:
        fields["last_full_pull_at"] = began
    state.update(**fields)
    state.clear_error("pull")
