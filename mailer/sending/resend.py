"""An operator's re-send: finished Emails go back into Mailroom's queue, recorded.

post_office's admin resent an email by calling ``dispatch()`` in the web request and its
"requeue" action set the status alone: both skipped the lease, the suppression check of the
worker, the shared limiter and the reputation guard, and neither left a trace that a sent email
went out twice. Here the email is only queued again (the workers send it like any other), a
re-send of sent mail is flagged ``possible_duplicate`` on its Delivery, and each one gets a
post_office Log line naming who asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from post_office.models import STATUS, Email, Log

from mailer.lanes import lane_of
from mailer.models import Delivery
from mailer.sending import wakeup

FINISHED = (STATUS.sent, STATUS.failed)
# Campaign mail whose campaign was stopped is not an operator's to send one by one.
STOPPED_CAMPAIGN = Q(campaign_recipient__campaign__status__in=("paused", "cancelled"))


@dataclass(frozen=True)
class Requeued:
    """What ``requeue`` did: ids queued again (those sent before among them) and skipped."""

    queued: list[int]
    resent: list[int]
    skipped: int

    def summary(self) -> str:
        text = f"Queued again: {len(self.queued)} email(s)"
        if self.resent:
            text += f", {len(self.resent)} of them already sent (recorded as possible duplicates)"
        if self.skipped:
            text += f"; {self.skipped} skipped (pending, held, leased or of a stopped campaign)"
        return text + "."


def requeue(email_ids: Iterable[int], actor: str) -> Requeued:
    """Put the finished (sent or failed) ones of ``email_ids`` back in the queue."""
    wanted = set(email_ids)
    now = timezone.now()
    with transaction.atomic():
        eligible = (
            Email.objects.filter(id__in=wanted, status__in=FINISHED)
            .exclude(delivery__lease_expires_at__gt=now)
            .exclude(STOPPED_CAMPAIGN)
            .select_for_update(of=("self",))
        )
        rows = list(eligible.values_list("id", "status", "priority"))
        ids = [i for i, _status, _priority in rows]
        resent = [i for i, status, _priority in rows if status == STATUS.sent]
        Email.objects.filter(id__in=ids).update(
            status=STATUS.queued, scheduled_time=None, number_of_retries=0, last_updated=now
        )
        Delivery.objects.filter(email_id__in=ids).update(failures=0, error="", updated_at=now)
        Delivery.objects.filter(email_id__in=resent).update(possible_duplicate=True)
        Log.objects.bulk_create(_log(i, actor, i in resent) for i in ids)
        for lane in {lane_of(priority) for _i, _status, priority in rows}:
            wakeup.request(lane)
    return Requeued(ids, resent, len(wanted) - len(ids))


def _log(email_id: int, actor: str, was_sent: bool) -> Log:
    if was_sent:
        message = f"Re-sent by {actor}: it had been sent already, so it may arrive twice."
    else:
        message = f"Requeued by {actor}."
    return Log(
        email_id=email_id,
        status=STATUS.requeued,
        message=message,
        exception_type="Resent" if was_sent else "Requeued",
    )
