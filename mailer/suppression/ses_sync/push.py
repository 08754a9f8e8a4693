"""Add Mailroom's own suppressions to SES's account-level list (``MAILROOM_SES_SUPPRESSION_PUSH``).

Pushed: permanent, all-mail suppressions Mailroom decided itself (hard bounces, complaints,
manual and imported entries) that SES is not known to list. SES's list has no scope and no
expiry, so bulk-only and expiring entries stay Mailroom's alone; ``ses_suppressed`` ones came
from SES. Other senders on the same account then benefit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from mailer.aws import account_suppressions
from mailer.aws.account_suppressions import SesReason
from mailer.exceptions import SESError, SESTransientError
from mailer.models import SesListed, SesRemoval, Unsubscribe
from mailer.suppression.ses_sync import state
from mailer.suppression.ses_sync.retry import Tally, patiently

Reason = Unsubscribe.Reason
PUSHED_REASONS = (Reason.HARD_BOUNCE, Reason.COMPLAINT, Reason.MANUAL, Reason.IMPORTED)
MAX_ERRORS_KEPT = 20


@dataclass
class PushResult:
    """What one push did; ``errors`` names the addresses SES refused, and why."""

    pushed: int = 0
    refused: int = 0
    throttles: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"push: {self.pushed} added to SES's list, {self.refused} refused by SES, "
            f"{self.throttles} throttles waited out"
        )


def candidates() -> QuerySet[Unsubscribe]:
    """The suppressions to add to SES's list, oldest first."""
    return (
        Unsubscribe.objects.filter(
            reason__in=PUSHED_REASONS, scope=Unsubscribe.Scope.ALL, expires_at__isnull=True
        )
        .exclude(address__in=SesListed.objects.values("address"))
        .exclude(address__in=SesRemoval.objects.values("address"))
        .order_by("created_at", "pk")
    )


def ses_reason(reason: str) -> SesReason:
    """SES's reason for a Mailroom reason: COMPLAINT for complaints, BOUNCE for the rest."""
    return SesReason.COMPLAINT if reason == Reason.COMPLAINT else SesReason.BOUNCE


def push(limit: int | None = None) -> PushResult:
    """Add up to ``limit`` (None: all) candidates to SES's list, remembering each as listed.

    An address SES refuses is counted and named, and the push goes on; an error that says
    nothing about the address (throttles that outlast the retries, SES unreachable) stops the
    push, is recorded as the sync's last error and raised.
    """
    result, tally = PushResult(), Tally()
    rows = candidates().values_list("address", "reason")
    try:
        for address, reason in rows[:limit] if limit else rows.iterator():
            _push_one(address, ses_reason(reason), result, tally)
    except SESTransientError as exc:
        state.record_error("push", exc)
        raise
    finally:
        result.throttles = tally.throttles
        state.update(last_push_at=timezone.now(), last_push=asdict(result))
    if not result.refused:
        state.clear_error("push")
    return result


def _push_one(address: str, reason: SesReason, result: PushResult, tally: Tally) -> None:
    try:
        patiently(lambda: account_suppressions.put(address, reason), tally)
    except SESTransientError:
        raise
    except SESError as exc:
        result.refused += 1
        if len(result.errors) < MAX_ERRORS_KEPT:
            result.errors.append(f"{address}: {exc}")
        state.record_error("push", exc)
        return
    now = timezone.now()
    listed = {"ses_address": address, "reason": reason, "last_update_time": now, "seen_at": now}
    SesListed.objects.update_or_create(address=address, defaults=listed)
    result.pushed += 1
