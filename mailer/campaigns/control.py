"""Campaign control: send, pause, resume, cancel and retry failed recipients.

The fan-out runs as Celery tasks on the bulk lane's queue, sent by name (``fan_out``) once the
controlling transaction commits, so this module needs nothing of ``campaigns.tasks``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from celery import current_app
from django.db import transaction
from django.utils import timezone

from mailer import queue
from mailer.campaigns import reconcile
from mailer.campaigns.exceptions import CampaignNotFound, CampaignStateError
from mailer.campaigns.fanout.enrolment import enrol_rest
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.lanes import BULK, queue_name
from mailer.sending import wakeup

Status = Campaign.Status
State = CampaignRecipient.State
ENROL_CHUNK = 5000
CANCELLED_MESSAGE = "campaign cancelled"
FAN_OUT_TASK = "campaigns.fan_out"


def fan_out(campaign_id: int) -> None:
    """Run fan-out steps for the campaign (after commit, so the worker sees the new status)."""
    transaction.on_commit(lambda: _send_fan_out(campaign_id))


def _send_fan_out(campaign_id: int) -> None:
    current_app.send_task(FAN_OUT_TASK, args=[campaign_id], queue=queue_name(BULK))


@contextmanager
def locked(campaign_id: int) -> Iterator[Campaign]:
    """The campaign, its row locked for the rest of a transaction (serialises control and steps)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None:
            raise CampaignNotFound(f"No campaign has id {campaign_id}.")
        yield campaign


def _require(campaign: Campaign, action: str, *allowed: str) -> None:
    if campaign.status not in allowed:
        raise CampaignStateError(
            f"Campaign {campaign.name!r} is {campaign.status}: it cannot {action} "
            f"(only when {' or '.join(allowed)})."
        )


def send(campaign_id: int, now: datetime | None = None) -> Campaign:
    """Start a draft now, or schedule it if its ``scheduled_at`` is in the future."""
    now = now or timezone.now()
    with locked(campaign_id) as campaign:
        _require(campaign, "be sent", Status.DRAFT)
        _schedule_or_start(campaign, now)
    return campaign


def _schedule_or_start(campaign: Campaign, now: datetime) -> None:
    if campaign.scheduled_at and campaign.scheduled_at > now:
        campaign.status = Status.SCHEDULED
        campaign.save(update_fields=["status"])
    else:
        start(campaign, now)


def start(campaign: Campaign, now: datetime) -> None:
    """Mark a locked campaign sending and start its fan-out once the transaction commits."""
    campaign.status, campaign.started, campaign.fanout_at = Status.SENDING, now, now
    campaign.save(update_fields=["status", "started", "fanout_at"])
    fan_out(campaign.id)


def pause(campaign_id: int, now: datetime | None = None) -> Campaign:
    """Stop queuing and hold the campaign's queued emails (in-flight sends still finish)."""
    now = now or timezone.now()
    with locked(campaign_id) as campaign:
        _require(campaign, "be paused", Status.SENDING, Status.SCHEDULED)
        campaign.status = Status.PAUSED
        campaign.save(update_fields=["status"])
        queue.hold(campaign.emails(), now)
    return campaign


def resume(campaign_id: int, now: datetime | None = None) -> Campaign:
    """Put held emails back in the queue and continue the fan-out (or the wait for the start)."""
    now = now or timezone.now()
    with locked(campaign_id) as campaign:
        _require(campaign, "be resumed", Status.PAUSED)
        if campaign.started is None:
            _schedule_or_start(campaign, now)
            return campaign
        _restart(campaign, now)
        if queue.release_held(campaign.emails(), now):
            wakeup.request(BULK)
    return campaign


def _restart(campaign: Campaign, now: datetime) -> None:
    campaign.status, campaign.finished, campaign.fanout_at = Status.SENDING, None, now
    campaign.save(update_fields=["status", "finished", "fanout_at"])
    fan_out(campaign.id)


def cancel(campaign_id: int, now: datetime | None = None) -> int:
    """Cancel: fail every unsent email ("campaign cancelled") and mark its recipient cancelled.

    Returns how many recipients were cancelled. An email a worker is sending at this moment
    may still go out; the next sync then records its recipient as sent.
    """
    now = now or timezone.now()
    with locked(campaign_id) as campaign:
        _require(campaign, "be cancelled", Status.DRAFT, Status.SCHEDULED, Status.SENDING,
                 Status.PAUSED)
        reconcile.sync_recipients(campaign.id)
        enrol_rest(campaign, ENROL_CHUNK)
        campaign.status, campaign.finished = Status.CANCELLED, now
        campaign.save(update_fields=["status", "finished", "enrol_cursor", "enrolled"])
        queue.fail_unsent(campaign.emails(), now, CANCELLED_MESSAGE, "CampaignCancelled")
        unsent = campaign.recipients.filter(state__in=[State.PENDING, State.QUEUED])
        return unsent.update(state=State.CANCELLED, error=CANCELLED_MESSAGE)


def retry_failed(campaign_id: int, now: datetime | None = None) -> int:
    """Queue the failed recipients again (freshly rendered); returns how many."""
    now = now or timezone.now()
    with locked(campaign_id) as campaign:
        _require(campaign, "retry failed recipients", Status.SENDING, Status.PAUSED, Status.DONE)
        reconcile.sync_recipients(campaign.id)
        count = campaign.recipients.filter(state=State.FAILED).update(
            state=State.PENDING, error=""
        )
        if count and campaign.status != Status.PAUSED:
            _restart(campaign, now)
    return count
