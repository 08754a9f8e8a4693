"""The guard's minute: hold on the account's rates, warn, recover, pause a stale campaign alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailer.campaigns.models import Campaign
from mailer.reputation import actions, evaluation, guard, rates
from mailer.reputation.models import GuardEvent
from tests.support import records

pytestmark = pytest.mark.django_db
Action, Status = GuardEvent.Action, Campaign.Status


def run_guard() -> list[str]:
    start = rates.window_start(timezone.now())
    return [e.action for e in evaluation.evaluate(rates.by_stream(start), start)]


def status(campaign: Campaign) -> str:
    campaign.refresh_from_db()
    return campaign.status


def test_crossing_the_pause_threshold_holds_bulk_once(small):
    news = records.campaign("news")
    records.outcomes(records.send(95), hard=3)
    records.outcomes(records.send(5, campaign=news), hard=2)  # 5 % overall
    assert run_guard() == [Action.HELD]
    assert not guard.bulk_allowed() and status(news) == Status.PAUSED
    assert "bounce rate 5 % >= pause threshold 4 % over 100" in guard.current().reason
    assert run_guard() == []  # held until an operator resumes


def test_below_the_minimum_sample_nothing_happens(small):
    records.outcomes(records.send(19), hard=19)
    assert run_guard() == [] and guard.bulk_allowed()


def test_complaints_hold_bulk_too(small, settings):
    settings.MAILROOM_REPUTATION_MIN_SAMPLE = 1000
    records.outcomes(records.send(1000), complaints=1)  # 0.1 %
    assert run_guard() == [Action.HELD]
    assert "complaint rate 0.1 % >= pause threshold 0.08 %" in guard.current().reason


def test_warn_once_then_recover(small):
    sent = records.send(100)
    records.outcomes(sent, hard=3)  # 3 %
    assert run_guard() == [Action.WARNED]
    assert run_guard() == []
    assert guard.current().level == guard.WARNING and guard.bulk_allowed()
    records.outcomes(records.send(100))  # 1.5 %
    assert run_guard() == [Action.RECOVERED]
    assert guard.current().level == guard.OK


def test_after_a_resume_only_newer_mail_is_judged(small, admin_user):
    records.outcomes(records.send(100, at=timezone.now() - timedelta(hours=1)), hard=10)
    assert run_guard() == [Action.HELD]
    actions.resume(admin_user, "Checked: the list was cleaned.")
    assert run_guard() == [] and guard.bulk_allowed()
    records.outcomes(records.send(40))
    assert run_guard() == []
    records.outcomes(records.send(20), hard=5)  # 5 of 60 since the resume
    assert run_guard() == [Action.HELD]


def test_a_stale_campaign_is_paused_alone_early(small):
    stale, fine = records.campaign("stale", size=20), records.campaign("fine", size=20)
    records.outcomes(records.send(200), hard=2)
    records.outcomes(records.send(10, campaign=stale), hard=3)  # 30 %, the account 2.3 %
    records.outcomes(records.send(10, campaign=fine))
    assert run_guard() == [Action.WARNED, Action.CAMPAIGN_PAUSED]
    assert (status(stale), status(fine)) == (Status.PAUSED, Status.SENDING)
    event = GuardEvent.objects.get(action=Action.CAMPAIGN_PAUSED)
    assert event.campaign_id == stale.id and event.reason.startswith("campaign bounce rate 30 %")
    assert guard.bulk_allowed()


def test_a_campaign_under_its_minimum_sample_keeps_sending(small):
    early = records.campaign("early", size=20)
    records.outcomes(records.send(1000))
    records.outcomes(records.send(9, campaign=early), hard=9)
    assert run_guard() == [] and status(early) == Status.SENDING


def test_a_campaign_resumed_by_an_operator_is_judged_on_newer_sends(small):
    stale = records.campaign("stale", size=40)
    records.outcomes(records.send(1000))
    records.outcomes(records.send(10, campaign=stale, at=timezone.now() - timedelta(hours=1)),
                     hard=5)
    assert run_guard() == [Action.CAMPAIGN_PAUSED]
    Campaign.objects.filter(pk=stale.pk).update(status=Status.SENDING)  # resumed by hand
    records.outcomes(records.send(10, campaign=stale))
    assert run_guard() == []
    records.outcomes(records.send(10, campaign=stale), hard=10)
    assert run_guard() == [Action.CAMPAIGN_PAUSED]


def test_only_running_campaigns_are_judged(small):
    done = records.campaign("done", size=20)
    records.outcomes(records.send(400))
    records.outcomes(records.send(10, campaign=done), hard=10)  # 2.4 % overall
    Campaign.objects.filter(pk=done.pk).update(status=Status.DONE)
    assert run_guard() == [Action.WARNED]
    assert not GuardEvent.objects.filter(action=Action.CAMPAIGN_PAUSED).exists()


def test_a_staff_user_is_not_needed_for_the_guard_itself(small):
    assert not User.objects.exists()
    records.outcomes(records.send(20), hard=20)
    assert run_guard() == [Action.HELD]
