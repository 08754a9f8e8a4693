"""Transient bounces: N within the window, or a problem lasting the grace period, suppress."""

from datetime import UTC, datetime, timedelta

import pytest

from mailer.models import SoftBounce, Unsubscribe
from mailer.suppression import soft_bounces

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADDRESS = "full@example.com"


def bounce(days: float, source: str = "bounce") -> Unsubscribe | None:
    return soft_bounces.record_transient(ADDRESS, T0 + timedelta(days=days), source)


def test_three_within_the_window_suppress():
    assert bounce(0) is None and bounce(1) is None
    row = bounce(2, "bouncy notification #3: Transient/MailboxFull bounce")
    assert row is not None
    assert (row.reason, row.scope) == ("soft_bounce_limit", "all")
    assert row.created_at == T0 + timedelta(days=2)
    assert row.source.startswith("3 transient bounces since 2026-03-01 12:00 UTC; last: bouncy")
    assert not SoftBounce.objects.exists()


def test_bounces_spread_wider_than_the_window_do_not_suppress_early():
    assert bounce(0) is None
    assert bounce(5) is None
    assert bounce(10) is None  # 3 bounces, but over 10 days > 7-day window
    run = SoftBounce.objects.get()
    assert (run.count, run.first_at, run.last_at) == (3, T0, T0 + timedelta(days=10))
    assert bounce(12) is not None  # 5, 10, 12: three within 7 days


def test_a_problem_lasting_the_grace_period_suppresses(settings):
    settings.MAILROOM_SOFT_BOUNCE_LIMIT = 10
    for day in (0, 6, 12):
        assert bounce(day) is None
    assert bounce(13.99) is None
    assert bounce(14) is not None  # first bounce of the run was 14 days ago


def test_a_gap_longer_than_the_grace_period_starts_a_new_run(settings):
    settings.MAILROOM_SOFT_BOUNCE_LIMIT = 2
    assert bounce(0) is None
    assert bounce(15) is None  # the January problem is over: a new run
    run = SoftBounce.objects.get()
    assert (run.count, run.first_at) == (1, T0 + timedelta(days=15))


def test_a_delivery_ends_the_run():
    bounce(0)
    bounce(1)
    assert soft_bounces.clear(ADDRESS) is True
    assert bounce(2) is None
    assert SoftBounce.objects.get().count == 1


def test_out_of_order_bounces_keep_the_earliest_start(settings):
    settings.MAILROOM_SOFT_BOUNCE_LIMIT = 5
    bounce(3)
    bounce(1)
    run = SoftBounce.objects.get()
    assert run.count == 2
    assert (run.first_at, run.last_at) == (T0 + timedelta(days=1), T0 + timedelta(days=3))


def test_settings_are_honoured(settings):
    settings.MAILROOM_SOFT_BOUNCE_LIMIT = 2
    settings.MAILROOM_SOFT_BOUNCE_WINDOW_DAYS = 1
    assert bounce(0) is None
    assert bounce(1.5) is None
    assert bounce(2) is not None
