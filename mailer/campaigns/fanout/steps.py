"""Fan-out: each step enrols a chunk of members and queues a chunk of pending recipients."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from mailer.campaigns.conf import get_campaign_settings
from mailer.campaigns.fanout import one_pass
from mailer.campaigns.fanout.composing import Pending, compose
from mailer.campaigns.fanout.copy_rows import write_emails
from mailer.campaigns.fanout.enrolment import enrol_next
from mailer.campaigns.fanout.outcomes import save_outcomes
from mailer.campaigns.fanout.prefetch import Ahead
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.conf import get_settings
from mailer.exceptions import RateLimiterUnavailable
from mailer.lanes import BULK
from mailer.pacing.limiter import get_state
from mailer.queue import unsent_bulk
from mailer.sending import wakeup


def daily_room() -> int | None:
    """Recipients bulk mail may still queue; None if the quota is unknown or unlimited.

    Bulk gets the 24-hour quota less the transactional share, less what was sent in the last
    24 hours, less bulk mail already queued (or held by a paused campaign).
    """
    try:
        quota = get_state().quota()
    except RateLimiterUnavailable:
        return None
    if quota is None or quota.max_24_hour_send < 0:
        return None
    bulk_limit = quota.max_24_hour_send * (1 - get_settings().transactional_share)
    used = quota.sent_last_24_hours + unsent_bulk()
    return max(0, int(bulk_limit - used))


State = CampaignRecipient.State
STEP_FIELDS = ["enrol_cursor", "enrolled", "fanout_at", "not_before"]


class Step(StrEnum):
    """What a step left: more work, nothing, a wait for quota, or a campaign not sending."""

    MORE = "more"
    DONE = "done"
    WAITING = "waiting"
    IDLE = "idle"


def step(campaign_id: int, now: datetime | None = None) -> Step:
    """One fan-out step: run() for one chunk."""
    return run(campaign_id, 1, now)


def run(campaign_id: int, chunks: int, now: datetime | None = None) -> Step:
    """Up to ``chunks`` steps, each in its own transaction holding the campaign's row lock.

    The lock serialises steps with each other and with pause/resume/cancel, so a step never
    queues mail for a campaign paused meanwhile, and a pause takes effect between two
    chunks. Re-running a step is harmless: enrolment ignores existing rows and only pending
    recipients (none once queued) are queued. While enrolling with quota room and nothing
    pending, a chunk is enrolled and queued in one pass (mailer.campaigns.fanout.one_pass), the next
    one composed meanwhile (mailer.campaigns.fanout.prefetch); otherwise members are enrolled as
    pending, then queued.
    """
    result = Step.MORE
    with Ahead() as ahead:
        for left in range(chunks - 1, -1, -1):
            result = _step(campaign_id, ahead, now or timezone.now(), more=left > 0)
            if result is not Step.MORE:
                break
    return result


def _step(campaign_id: int, ahead: Ahead, now: datetime, more: bool) -> Step:
    size = get_campaign_settings().chunk_size
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None or campaign.status != Campaign.Status.SENDING:
            return Step.IDLE
        result = _advance(campaign, ahead, size, now, more)
        campaign.fanout_at = now
        campaign.save(update_fields=STEP_FIELDS)
    return result


def _advance(campaign: Campaign, ahead: Ahead, size: int, now: datetime, more: bool) -> Step:
    room = daily_room()
    limit = size if room is None else min(size, room)
    if room != 0 and one_pass.applies(campaign, limit, size):
        campaign.not_before = None
        rows = ahead.take(campaign.enrol_cursor)
        if rows is None:
            rows = one_pass.compose(one_pass.read(campaign, campaign.enrol_cursor, size, now))
        if more and not rows.chunk.final:
            ahead.start(one_pass.read(campaign, rows.chunk.last, size, now))
        if one_pass.write(campaign, rows):
            wakeup.request(BULK)
        return Step.DONE if campaign.enrolled else Step.MORE
    if not campaign.enrolled:
        enrol_next(campaign, size)
    return _queue_within_quota(campaign, room, limit, now)


def _queue_within_quota(campaign: Campaign, room: int | None, limit: int, now: datetime) -> Step:
    if room == 0:
        delay = get_campaign_settings().quota_recheck_seconds
        campaign.not_before = now + timedelta(seconds=delay)
        return Step.WAITING
    campaign.not_before = None
    queued = queue_next(campaign, limit, now)
    return Step.MORE if queued == limit or not campaign.enrolled else Step.DONE


def queue_next(campaign: Campaign, limit: int, now: datetime) -> int:
    """Render and queue up to ``limit`` pending recipients (in the caller's transaction)."""
    rows = (
        CampaignRecipient.objects.filter(campaign=campaign, state=State.PENDING)
        .order_by("id")
        .values_list("id", "member__address", "member__context")[:limit]
    )
    pending = list(map(Pending._make, rows))
    if not pending:
        return 0
    outcomes = compose(campaign, pending, now)
    messages = [o.message for o in outcomes if o.message is not None]
    ids = iter(write_emails(campaign.from_email, messages, timezone.now()))
    save_outcomes(outcomes, [next(ids) if o.message is not None else None for o in outcomes])
    if messages:
        wakeup.request(BULK)
    return len(pending)
