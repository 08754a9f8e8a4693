"""Daily totals: each outcome on its day, 30 days and today, stored once a day is past."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mailer.models import Delivery
from mailer.reputation import daily
from mailer.reputation.models import DailyTotals
from tests.support import records

pytestmark = pytest.mark.django_db


def finish(delivery: Delivery, state: str, at) -> None:
    """End ``delivery`` unsent (failed or suppressed) at ``at``."""
    Delivery.objects.filter(pk=delivery.pk).update(state=state, sent_at=None, updated_at=at)


def values(totals: DailyTotals) -> tuple[int, ...]:
    return tuple(getattr(totals, column) for column in daily.COLUMNS)


def test_each_outcome_counts_on_its_day():
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    today_sends = records.send(3, recipients=2, throttles=1)
    records.send(1, dropped=2)
    [failed, suppressed] = records.send(2, dropped=1, throttles=2)
    finish(failed, "failed", now)
    finish(suppressed, "suppressed", now)
    records.bounce(today_sends[0])
    records.bounce(today_sends[1], hard=False)
    records.deliver(today_sends[2])
    records.complain(today_sends[2])
    records.complain(today_sends[2], subtype="OnAccountSuppressionList")
    records.outcomes(records.send(4, at=yesterday), hard=1, at=yesterday)
    days = daily.compute(timezone.localdate(yesterday), timezone.localdate(now))
    today, before = days[timezone.localdate(now)], days[timezone.localdate(yesterday)]
    # sent, delivered, hard, soft, complaints, suppressed, failed, throttled
    assert values(today) == (7, 1, 1, 1, 1, 4, 1, 7)
    assert values(before) == (4, 3, 1, 0, 0, 0, 0, 0)


def test_history_is_thirty_days_and_today_with_empty_days_as_zeros():
    now = timezone.now()
    records.send(2, at=now - timedelta(days=30))
    records.send(5, at=now - timedelta(days=31))  # outside
    history = daily.history(now)
    assert len(history) == 31
    assert [t.day for t in history] == [
        timezone.localdate(now) - timedelta(days=n) for n in range(30, -1, -1)]
    assert [t.sent for t in history] == [2] + [0] * 30


def test_refresh_stores_every_missing_day_then_only_today_and_yesterday():
    now = timezone.now()
    records.send(2)
    assert daily.refresh(now) == 31
    assert DailyTotals.objects.get(day=timezone.localdate(now)).sent == 2
    records.send(1)
    assert daily.refresh(now) == 2
    assert DailyTotals.objects.get(day=timezone.localdate(now)).sent == 3


def test_history_reads_stored_past_days():
    now = timezone.now()
    day = timezone.localdate(now) - timedelta(days=3)
    DailyTotals.objects.create(day=day, sent=99)
    by_day = {t.day: t for t in daily.history(now)}
    assert by_day[day].sent == 99 and by_day[day].pk is not None
