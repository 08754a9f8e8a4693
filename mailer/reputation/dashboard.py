"""The dashboard's numbers, gathered in one call: history, rates, throughput, queue and guard."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from mailer.reputation import charts, daily, guard, snapshots, throughput
from mailer.reputation.charts import BarChart, Gauge, Series
from mailer.reputation.conf import ReputationSettings, get_settings
from mailer.reputation.models import DailyTotals, GuardEvent, RateSnapshot, Stream
from mailer.reputation.throughput import Throughput
from mailer.sending.status import queue_counts

RECENT_EVENTS = 10
COUNTED = ("sent", "delivered", "hard_bounces", "soft_bounces", "complaints", "suppressed",
           "failed", "throttled")
# Keyed by the stored value (a Stream is a str): a row's ``stream`` is read back as a str.
STREAM_ORDER: dict[str, int] = {
    Stream.ALL: 0, Stream.TRANSACTIONAL: 1, Stream.BULK: 2, Stream.CAMPAIGN: 3
}


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows. ``sample`` is the recipients of the rolling window
    (None before the first snapshot): below ``settings.min_sample`` the guard judges nothing,
    whatever the rates say. ``days`` hold only the days that had mail."""

    now: datetime
    guard: guard.GuardState
    events: list[GuardEvent]
    rates: list[RateSnapshot]
    today: DailyTotals
    days: list[DailyTotals]
    quiet_days: int
    volume_chart: BarChart
    feedback_chart: BarChart
    gauges: dict[str, Gauge]
    throughput: Throughput
    queue: dict[str, Any]
    settings: ReputationSettings
    sample: int | None

    @property
    def judged(self) -> bool:
        """Whether the window holds enough recipients for the guard to act on its rates."""
        return self.sample is not None and self.sample >= self.settings.min_sample

    @property
    def guard_label(self) -> str:
        """The guard's level, or that it has not judged yet (and how far from judging)."""
        if self.guard.level != guard.OK or self.judged:
            return self.guard.level
        return f"not judged yet: {self.sample or 0:,} of {self.settings.min_sample:,} recipients"


def build(now: datetime) -> Dashboard:
    """Read everything (no writes); ``days`` are the 30 days before today, oldest first."""
    history = daily.history(now)
    rates = sorted(snapshots.latest(), key=lambda r: (STREAM_ORDER[r.stream], r.campaign_id or 0))
    speed = throughput.measure(now)
    conf = get_settings()
    account = snapshots.account(rates)
    sample = account.recipients if account else None
    active = [day for day in history[:-1] if had_mail(day)]
    return Dashboard(
        now=now,
        guard=guard.current(),
        events=list(GuardEvent.objects.select_related("actor")[:RECENT_EVENTS]),
        rates=rates,
        today=history[-1],
        days=active,
        quiet_days=len(history) - 1 - len(active),
        volume_chart=_volume_chart(history),
        feedback_chart=_feedback_chart(history),
        gauges=_gauges(account, speed, conf, judged=(sample or 0) >= conf.min_sample),
        throughput=speed,
        queue=queue_counts(),
        settings=conf,
        sample=sample,
    )


def had_mail(day: DailyTotals) -> bool:
    """Whether anything was sent, dropped, failed or fed back that day."""
    return any(getattr(day, name) for name in COUNTED)


def _labels(history: list[DailyTotals]) -> list[str]:
    return [f"{t.day:%b %d}" for t in history]


def _column(history: list[DailyTotals], name: str) -> list[int]:
    return [getattr(t, name) for t in history]


def _volume_chart(history: list[DailyTotals]) -> BarChart:
    return charts.stacked_bars(_labels(history), [
        Series("sent", "sent", _column(history, "sent")),
        Series("suppressed at send", "suppressed", _column(history, "suppressed")),
        Series("failed", "failed", _column(history, "failed")),
    ])


def _feedback_chart(history: list[DailyTotals]) -> BarChart:
    return charts.stacked_bars(_labels(history), [
        Series("hard bounces", "hard", _column(history, "hard_bounces")),
        Series("soft bounces", "soft", _column(history, "soft_bounces")),
        Series("complaints", "complaint", _column(history, "complaints")),
    ])


def _gauges(
    account: RateSnapshot | None, speed: Throughput, conf: ReputationSettings, judged: bool
) -> dict[str, Gauge]:
    bounce = account.bounce_rate if account else None
    complaint = account.complaint_rate if account else None
    max_rate = speed.max_send_rate or speed.pacing_rate or 0.0
    return {
        "bounce": _rate_gauge(bounce, conf.warn.bounce, conf.pause.bounce, judged),
        "complaint": _rate_gauge(complaint, conf.warn.complaint, conf.pause.complaint, judged),
        "send_rate": charts.gauge(speed.rate, max_rate * 1.25, {"MaxSendRate": max_rate},
                                  f"{speed.rate:.1f} / {max_rate:g} recipients/s"),
        "quota": charts.gauge(speed.quota_used, 1.0, {"80 %": 0.8, "quota": 1.0},
                              _share(speed.quota_used)),
    }


def _rate_gauge(value: float | None, warn: float, pause: float, judged: bool) -> Gauge:
    """A rate against its thresholds; grey, and saying so, while the sample is too small."""
    if judged:
        return charts.gauge(value, pause * 1.5, {"warn": warn, "pause": pause}, _share(value))
    label = f"{_share(value)} (too few recipients to judge yet)"
    return replace(charts.gauge(value, pause * 1.5, {"warn": warn, "pause": pause}, label),
                   css="unjudged")


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.3g} %"
