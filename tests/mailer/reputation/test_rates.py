"""Rates from recorded feedback: the window, each stream, an empty window, SES's quirks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from post_office.models import Email

from mailer.reputation import rates
from mailer.reputation.models import Stream
from mailer.reputation.rates import Counts
from tests.support import records

pytestmark = pytest.mark.django_db


def by_key(since) -> dict:
    return {(s.stream, s.campaign_id): s.counts for s in rates.by_stream(since)}


def test_an_empty_window_has_no_rates():
    now = timezone.now()
    assert rates.window_start(now) == now - timedelta(days=7)
    streams = rates.by_stream(rates.window_start(now))
    assert [(s.stream, s.counts) for s in streams] == [(Stream.ALL, Counts())]
    assert streams[0].counts.bounce_rate is None and streams[0].counts.complaint_rate is None


def test_rates_count_hard_bounces_over_delivered_or_bounced():
    sent = records.send(12)
    records.outcomes(sent[:10], hard=2, soft=1, complaints=1)  # two still in flight
    records.complain(sent[5], subtype="OnAccountSuppressionList")  # not a new complaint
    counts = by_key(timezone.now() - timedelta(hours=1))[(Stream.ALL, None)]
    assert counts == Counts(sends=12, recipients=12, delivered=7, hard_bounces=2, soft_bounces=1,
                            complaints=1)
    assert counts.bounce_rate == pytest.approx(2 / 10)
    assert counts.complaint_rate == pytest.approx(1 / 7)


def test_without_delivery_notifications_every_accepted_recipient_counts():
    sent = records.send(20)
    records.bounce(sent[0])
    records.complain(sent[1])
    counts = rates.measure(rates.sent(timezone.now() - timedelta(hours=1)))
    assert counts.bounce_rate == pytest.approx(1 / 20)
    assert counts.complaint_rate == pytest.approx(1 / 19)


def test_recipients_not_emails_and_each_address_once():
    [email] = records.send(recipients=4)
    records.bounce(email, index=0)
    records.bounce(email, index=0)  # the same bounce reported twice (notification and event)
    records.bounce(email, index=1)
    for index in (2, 3):
        records.deliver(email, index=index)
    counts = rates.measure(rates.sent(timezone.now() - timedelta(hours=1)))
    assert (counts.sends, counts.recipients, counts.hard_bounces, counts.delivered) == (1, 4, 2, 2)
    assert counts.bounce_rate == pytest.approx(0.5)


def test_each_stream_separately_and_all_together():
    news, promo = records.campaign("news"), records.campaign("promo")
    records.outcomes(records.send(4), hard=1)
    records.outcomes(records.send(2, bulk=True), hard=0)
    records.outcomes(records.send(5, campaign=news), hard=2, complaints=1)
    records.outcomes(records.send(3, campaign=promo), soft=1)
    got = by_key(timezone.now() - timedelta(hours=1))
    assert got[(Stream.TRANSACTIONAL, None)].hard_bounces == 1
    assert got[(Stream.BULK, None)].delivered == 2
    assert got[(Stream.CAMPAIGN, news.id)] == Counts(5, 5, 3, 2, 0, 1)
    assert got[(Stream.CAMPAIGN, promo.id)] == Counts(3, 3, 2, 0, 1, 0)
    assert got[(Stream.ALL, None)] == Counts(14, 14, 10, 3, 1, 1)


def test_the_window_is_the_last_sends_when_they_span_less_than_the_days(settings):
    settings.MAILROOM_REPUTATION_WINDOW_SENDS = 5
    now = timezone.now()
    old = records.send(5, at=now - timedelta(hours=2))
    for d in old:
        records.bounce(d)
    recent = records.send(5, at=now - timedelta(minutes=5))
    records.outcomes(recent)
    start = rates.window_start(now)
    assert start == recent[0].sent_at
    assert rates.measure(rates.sent(start)).bounce_rate == 0


def test_the_window_is_the_days_when_they_hold_fewer_sends(settings):
    settings.MAILROOM_REPUTATION_WINDOW_DAYS = 1
    now = timezone.now()
    records.outcomes(records.send(3, at=now - timedelta(days=2)), hard=3)
    records.outcomes(records.send(2, at=now - timedelta(hours=3)), hard=1)
    start = rates.window_start(now)
    assert start == now - timedelta(days=1)
    assert rates.measure(rates.sent(start)) == Counts(2, 2, 1, 1, 0, 0)


def test_only_mail_ses_accepted_counts():
    [failed] = records.send()
    failed.state = "failed"
    failed.save()
    records.bounce(failed)
    assert rates.measure(rates.sent(timezone.now() - timedelta(hours=1))) == Counts()


def test_a_campaigns_counts_since_a_time():
    news = records.campaign("news")
    now = timezone.now()
    records.outcomes(records.send(3, campaign=news, at=now - timedelta(hours=2)), hard=3)
    records.outcomes(records.send(4, campaign=news, at=now), hard=1)
    records.outcomes(records.send(4, at=now), hard=4)
    counts = rates.of_campaign(news.id, now - timedelta(hours=1))
    assert (counts.sends, counts.hard_bounces) == (4, 1)


def test_mail_without_a_priority_is_transactional():
    records.outcomes(records.send(2), hard=1)
    [no_priority] = records.send(1)
    Email.objects.filter(pk=no_priority.email_id).update(priority=None)
    streams = rates.by_stream(timezone.now() - timedelta(hours=1))
    assert [(s.stream, s.counts.sends) for s in streams] == [
        (Stream.ALL, 3), (Stream.TRANSACTIONAL, 3)]
