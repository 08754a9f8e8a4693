"""The dashboard's numbers, gathered in one call: history, rates, throughput, queue and guard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailer.reputation import charts, daily, guard, snapshots, throughput
from mailer.reputation.charts import BarChart, Gauge, Series
from mailer.reputation.conf import ReputationSettings, get_settings
from mailer.reputation.models import DailyTotals, GuardEvent, RateSnapshot, Stream
from mailer.reputation.throughput import Throughput
from mailer.status import queue_counts

RECENT_EVENTS = 10
STREAM_ORDER = {Stream.ALL: 0, Stream.TRANSACTIONAL: 1, Stream.BULK: 2, Stream.CAMPAIGN: 3}


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows."""

    now: datetime
    guard: guard.GuardState
    events: list[GuardEvent]
    rates: list[RateSnapshot]
    today: DailyTotals
    days: list[DailyTotals]
    volume_chart: BarChart
    feedback_chart: BarChart
    gauges: dict[str, Gauge]
    throughput: Throughput
    queue: dict
    settings: ReputationSettings


def build(now: datetime) -> Dashboard:
    """Read everything (no writes); ``days`` are the 30 days before today, oldest first."""
    history = daily.history(now)
    rates = sorted(snapshots.latest(), key=lambda r: (STREAM_ORDER[r.stream], r.campaign_id or 0))
    speed = throughput.measure(now)
    conf = get_settings()
    return Dashboard(
        now=now,
        guard=guard.current(),
        events=list(GuardEvent.objects.select_related("actor")[:RECENT_EVENTS]),
        rates=rates,
        today=history[-1],
        days=history[:-1],
        volume_chart=_volume_chart(history),
        feedback_chart=_feedback_chart(history),
        gauges=_gauges(snapshots.account(rates), speed, conf),
        throughput=speed,
        queue=queue_counts(),
        settings=conf,
    )


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
    account: RateSnapshot | None, speed: Throughput, conf: ReputationSettings
) -> dict[str, Gauge]:
    bounce = account.bounce_rate if account else None
    complaint = account.complaint_rate if account else None
    max_rate = speed.max_send_rate or speed.pacing_rate or 0.0
    return {
        "bounce": _rate_gauge(bounce, conf.warn.bounce, conf.pause.bounce),
        "complaint": _rate_gauge(complaint, conf.warn.complaint, conf.pause.complaint),
        "send_rate": charts.gauge(speed.rate, max_rate * 1.25, {"MaxSendRate": max_rate},
                                  f"{speed.rate:.1f} / {max_rate:g} recipients/s"),
        "quota": charts.gauge(speed.quota_used, 1.0, {"80 %": 0.8, "quota": 1.0},
                              _share(speed.quota_used)),
    }


def _rate_gauge(value: float | None, warn: float, pause: float) -> Gauge:
    return charts.gauge(value, pause * 1.5, {"warn": warn, "pause": pause}, _share(value))


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.3g} %"
