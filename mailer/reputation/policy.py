"""Pure decisions: which level the account's rates call for, and which campaigns look stale."""

from __future__ import annotations

from dataclasses import dataclass

from mailer.reputation.conf import ReputationSettings, Thresholds
from mailer.reputation.rates import Counts, StreamCounts

OK, WARN, PAUSE = "ok", "warn", "pause"


@dataclass(frozen=True)
class Verdict:
    """What the rates call for, and a sentence saying why."""

    level: str
    reason: str = ""


def percent(rate: float | None) -> str:
    """A rate as a short percentage ("4.25 %"), or "n/a"."""
    return "n/a" if rate is None else f"{rate * 100:.3g} %"


def _over(counts: Counts, limits: Thresholds, label: str) -> str:
    """Why ``counts`` cross ``limits`` (empty if they do not)."""
    reasons = []
    if counts.bounce_rate is not None and counts.bounce_rate >= limits.bounce:
        reasons.append(f"bounce rate {percent(counts.bounce_rate)} >= {label} "
                       f"{percent(limits.bounce)} over {counts.attempts} recipients")
    if counts.complaint_rate is not None and counts.complaint_rate >= limits.complaint:
        reasons.append(f"complaint rate {percent(counts.complaint_rate)} >= {label} "
                       f"{percent(limits.complaint)} over {counts.delivered_or_estimate} delivered")
    return "; ".join(reasons)


def account(counts: Counts, conf: ReputationSettings) -> Verdict:
    """Pause, warn or ok for the account; ok below the minimum sample."""
    if counts.attempts < conf.min_sample:
        return Verdict(OK)
    if reason := _over(counts, conf.pause, "pause threshold"):
        return Verdict(PAUSE, reason)
    if reason := _over(counts, conf.warn, "warning threshold"):
        return Verdict(WARN, reason)
    return Verdict(OK)


def stale_campaign(
    campaign: Counts, account_counts: Counts, conf: ReputationSettings
) -> Verdict:
    """PAUSE when a campaign's bounce rate is far above the account's, after its minimum sample.

    "Far above" is CAMPAIGN_FACTOR times the account's rate, and at least the warning
    threshold, so a clean account does not pause a campaign over a handful of bounces.
    """
    rate = campaign.bounce_rate
    if campaign.attempts < conf.campaign_min_sample or rate is None:
        return Verdict(OK)
    limit = max((account_counts.bounce_rate or 0) * conf.campaign_factor, conf.warn.bounce)
    if rate < limit:
        return Verdict(OK)
    return Verdict(PAUSE, f"campaign bounce rate {percent(rate)} >= {percent(limit)} "
                          f"({conf.campaign_factor:g}x the account's "
                          f"{percent(account_counts.bounce_rate)}) over {campaign.attempts} "
                          "recipients")


def campaigns_to_pause(
    streams: list[StreamCounts], account_counts: Counts, conf: ReputationSettings
) -> dict[int, str]:
    """Campaign id -> reason, for every campaign stream that should be paused alone."""
    verdicts = {
        s.campaign_id: stale_campaign(s.counts, account_counts, conf)
        for s in streams
        if s.campaign_id is not None
    }
    return {cid: v.reason for cid, v in verdicts.items() if v.level == PAUSE}
