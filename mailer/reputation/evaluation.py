"""The guard's minute: judge the account and each running campaign, and act on the verdicts.

After an operator resumes, the account is judged only on mail sent since (else the same window
would hold bulk mail again a minute later); a campaign paused alone once, then resumed by an
operator, likewise only on its sends since that pause.
"""

from __future__ import annotations

import logging
from datetime import datetime

from mailer.reputation import actions, campaigns, guard, policy, rates
from mailer.reputation.conf import ReputationSettings, get_settings
from mailer.reputation.exceptions import CampaignControlError
from mailer.reputation.models import GuardEvent, Stream
from mailer.reputation.rates import Counts, StreamCounts

logger = logging.getLogger(__name__)
Action = GuardEvent.Action


def evaluate(streams: list[StreamCounts], window_start: datetime) -> list[GuardEvent]:
    """Act on one measurement of every stream (from ``rates.by_stream(window_start)``)."""
    conf = get_settings()
    state = guard.read()
    account = _account_counts(streams, window_start)
    events = _judge_account(account, state, conf)
    if not (state.held or any(e.action == Action.HELD for e in events)):
        events += _judge_campaigns(streams, account, conf)
    return events


def _last(action: str, campaign_id: int | None = None) -> datetime | None:
    event = GuardEvent.objects.filter(action=action, campaign_id=campaign_id).order_by(
        "-created_at"
    )
    return event.values_list("created_at", flat=True).first()


def _account_counts(streams: list[StreamCounts], window_start: datetime) -> Counts:
    resumed = _last(Action.RESUMED)
    if resumed is not None and resumed > window_start:
        return rates.measure(rates.sent(resumed))
    return next(s.counts for s in streams if s.stream == Stream.ALL)


def _judge_account(
    account: Counts, state: guard.GuardState, conf: ReputationSettings
) -> list[GuardEvent]:
    verdict = policy.account(account, conf)
    if state.held:
        return []  # only an operator lifts a hold
    if verdict.level == policy.PAUSE:
        return [actions.hold(verdict.reason, account)]
    if verdict.level == policy.WARN and state.level != guard.WARNING:
        return [actions.warn(verdict.reason, account)]
    if verdict.level == policy.OK and state.level == guard.WARNING:
        return [actions.recover(account)]
    return []


def _judge_campaigns(
    streams: list[StreamCounts], account: Counts, conf: ReputationSettings
) -> list[GuardEvent]:
    running = campaigns.running()
    judged = [_campaign_counts(s) for s in streams if s.campaign_id in running]
    reasons = policy.campaigns_to_pause(judged, account, conf)
    counts = {s.campaign_id: s.counts for s in judged}
    return [e for cid, why in reasons.items() if (e := _pause(cid, why, counts[cid]))]


def _campaign_counts(stream: StreamCounts) -> StreamCounts:
    paused_at = _last(Action.CAMPAIGN_PAUSED, stream.campaign_id)
    if paused_at is None or stream.campaign_id is None:
        return stream
    counts = rates.of_campaign(stream.campaign_id, paused_at)
    return StreamCounts(Stream.CAMPAIGN, counts, stream.campaign_id)


def _pause(campaign_id: int, reason: str, counts: Counts) -> GuardEvent | None:
    try:
        return actions.pause_campaign(campaign_id, reason, counts)
    except CampaignControlError:
        logger.exception("The reputation guard could not pause campaign %s", campaign_id)
        return None
