"""The account right now: the last minute's send rate and the quota, stored or read from SES."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mailer import aws
from mailer.aws import Quota
from mailer.pacing.limiter import get_limiter, get_state
from mailer.reputation import throughput
from tests.support import records

pytestmark = pytest.mark.django_db


def test_the_rate_is_recipients_accepted_in_the_last_minute(redis_client):
    now = timezone.now()
    records.send(30, recipients=2, at=now - timedelta(seconds=20))
    records.send(50, at=now - timedelta(seconds=90))
    assert throughput.current_rate(now) == pytest.approx(1.0)


def test_the_quota_the_workers_stored_is_used(redis_client):
    get_state().save_quota(Quota(14.0, 50000.0, 12500.0))
    get_limiter().set_rate(14.0)
    now = throughput.measure(timezone.now())
    assert (now.max_send_rate, now.pacing_rate, now.quota_source) == (14.0, 14.0, "workers")
    assert now.quota_used == 0.25


def test_without_a_stored_quota_ses_is_asked_once_a_minute(redis_client, ses_sandbox):
    first = throughput.measure(timezone.now())
    assert (first.max_send_rate, first.max_24_hour_send, first.quota_source) == (
        1000.0, 1_000_000.0, "ses")
    ses_sandbox.stop()
    assert throughput.measure(timezone.now()).max_send_rate == 1000.0  # cached


def test_an_unreadable_quota_is_reported_unknown(redis_client, settings):
    settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = "http://127.0.0.1:9"
    aws.reset_client()
    try:
        now = throughput.measure(timezone.now())
    finally:
        aws.reset_client()
    assert (now.max_send_rate, now.quota_used, now.quota_source) == (None, None, "unavailable")


def test_an_unlimited_quota_has_no_share_used():
    unlimited = throughput.Throughput(1.0, None, 14.0, 500.0, -1.0, "workers")
    assert unlimited.quota_used is None
