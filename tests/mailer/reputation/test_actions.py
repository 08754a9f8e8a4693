"""Holding bulk mail, pausing one campaign, and resuming with a note: recorded, logged, mailed."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Permission, User
from post_office.models import Email

from mailer.campaigns.models import Campaign
from mailer.lanes import TRANSACTIONAL, lane_of
from mailer.reputation import actions, guard
from mailer.reputation.exceptions import NoteRequired, NotHeld, ResumeNotAllowed
from mailer.reputation.models import GuardEvent
from mailer.reputation.rates import Counts
from tests.support import records

pytestmark = pytest.mark.django_db
Action, Status = GuardEvent.Action, Campaign.Status
BAD = Counts(100, 100, 90, 10, 0, 0)


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Ops", "ops@example.com")]


def staff(username: str, *, can_resume: bool) -> User:
    user = User.objects.create_user(username, is_staff=True)
    if can_resume:
        user.user_permissions.add(Permission.objects.get(codename="resume_bulk"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def status(campaign: Campaign) -> str:
    campaign.refresh_from_db()
    return campaign.status


def test_hold_pauses_every_running_campaign_logs_and_mails_the_admins(admins, caplog):
    news, promo = records.campaign("news"), records.campaign("promo")
    draft = records.campaign("later")
    Campaign.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    with caplog.at_level(logging.ERROR, logger="mailer.reputation"):
        event = actions.hold("bounce rate 10 % >= pause threshold 4 %", BAD)
    assert not guard.bulk_allowed()
    assert (status(news), status(promo), status(draft)) == (Status.PAUSED, Status.PAUSED,
                                                           Status.DRAFT)
    stored = GuardEvent.objects.get()
    assert (stored.action, stored.actor_name, stored.actor) == (Action.HELD, actions.GUARD, None)
    assert stored.campaigns == [{"id": news.id, "name": "news"}, {"id": promo.id, "name": "promo"}]
    assert (stored.bounce_rate, stored.sample) == (0.1, 100) and stored == event
    assert "Reputation guard held bulk mail: bounce rate 10 %" in caplog.text
    [mail] = Email.objects.filter(to=["ops@example.com"])
    assert "held by the reputation guard" in mail.subject and "news, promo" in mail.message
    assert lane_of(mail.priority) == TRANSACTIONAL


def test_no_mail_when_admin_notification_is_off(admins, settings):
    settings.MAILROOM_REPUTATION_NOTIFY_ADMINS = False
    actions.hold("why", BAD)
    assert not Email.objects.exists()


def test_a_campaign_paused_alone_leaves_the_rest_alone():
    news, promo = records.campaign("news"), records.campaign("promo")
    event = actions.pause_campaign(news.id, "campaign bounce rate 20 %", BAD)
    assert (status(news), status(promo)) == (Status.PAUSED, Status.SENDING)
    assert (event.action, event.campaign_id, event.campaigns) == (
        Action.CAMPAIGN_PAUSED, news.id, [{"id": news.id, "name": "news"}])
    assert guard.bulk_allowed()


def test_resume_needs_a_note():
    actions.hold("why", BAD)
    with pytest.raises(NoteRequired):
        actions.resume(staff("ann", can_resume=True), "   ")
    assert not guard.bulk_allowed()


def test_resume_needs_the_permission():
    actions.hold("why", BAD)
    with pytest.raises(ResumeNotAllowed):
        actions.resume(staff("bob", can_resume=False), "looked, fine")
    assert not guard.bulk_allowed()


def test_nothing_to_resume_when_not_held():
    with pytest.raises(NotHeld):
        actions.resume(staff("ann", can_resume=True), "looked")


def test_resume_records_who_and_why_and_resumes_the_chosen_campaigns():
    news, promo = records.campaign("news"), records.campaign("promo")
    actions.hold("bounce rate 10 %", BAD)
    ann = staff("ann", can_resume=True)
    event = actions.resume(ann, "  Removed the stale list from promo.  ", [news.id])
    assert guard.bulk_allowed()
    assert (event.action, event.actor, event.actor_name) == (Action.RESUMED, ann, "ann")
    assert event.note == "Removed the stale list from promo."
    assert event.reason.startswith("Resumed by ann (held since ")
    assert event.campaigns == [{"id": news.id, "name": "news"}]
    assert (status(news), status(promo)) == (Status.SENDING, Status.PAUSED)
