"""The beat's minute: snapshot, guard, daily totals, pruning, and no two refreshes at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from mailer.reputation import refresh, snapshots
from mailer.reputation.models import DailyTotals, GuardEvent, RateSnapshot
from tests.support import records

pytestmark = pytest.mark.django_db


def test_a_refresh_stores_the_rates_runs_the_guard_and_the_days(small):
    records.outcomes(records.send(20), hard=2)
    result = refresh.run()
    assert result == {"streams": 2, "events": ["held"], "days": 31, "pruned": 0}
    latest = {row.key: row for row in snapshots.latest()}
    assert set(latest) == {"all", "transactional"}
    assert (latest["all"].hard_bounces, latest["all"].bounce_rate) == (2, 0.1)
    assert GuardEvent.objects.get().action == "held"
    assert DailyTotals.objects.get(day=timezone.localdate()).hard_bounces == 2


def test_an_empty_window_stores_an_empty_snapshot():
    refresh.run()
    [row] = snapshots.latest()
    assert (row.key, row.recipients, row.bounce_rate, row.complaint_rate) == ("all", 0, None, None)


def test_old_snapshots_are_pruned(settings):
    settings.MAILROOM_REPUTATION_SNAPSHOT_DAYS = 2
    now = timezone.now()
    refresh.run(now - timedelta(days=3))
    refresh.run(now - timedelta(days=1))
    assert refresh.run(now)["pruned"] == 1
    assert RateSnapshot.objects.count() == 2


def test_a_refresh_already_running_is_not_doubled():
    cache.add(refresh.LOCK_KEY, 1, 30)
    assert refresh.run() == {"skipped": True}
    assert not RateSnapshot.objects.exists()
