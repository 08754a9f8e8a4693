"""Fan-out: chunked, idempotent under re-runs, suppression and template errors per recipient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from post_office.models import PRIORITY, STATUS, Email

from mailer.aws import Quota
from mailer.campaigns.fanout.steps import Step, step
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.models import Unsubscribe
from mailer.pacing.limiter import get_state
from tests.support.campaigns import csv_text, run_fanout
from tests.support.threads import run_in_threads

State = CampaignRecipient.State


@pytest.fixture(autouse=True)
def _small_chunks(settings, redis_client) -> None:
    settings.MAILROOM_CAMPAIGN_CHUNK_SIZE = 4


def test_fan_out_queues_one_personalised_bulk_email_per_recipient(sending):
    campaign = sending(
        csv_text(10), html="<p>Hi {{ first_name }} &amp; <a href='{{ unsubscribe_url }}'>x</a></p>"
    )

    steps = run_fanout(campaign.id)

    assert steps[-1] is Step.DONE and len(steps) >= 3  # chunks of 4
    recipients = CampaignRecipient.objects.filter(campaign=campaign).select_related(
        "email", "member"
    )
    assert {r.state for r in recipients} == {State.QUEUED}
    for r in recipients:
        email = r.email
        assert email.to == [r.member.address] and email.priority == PRIORITY.low
        assert email.status == STATUS.queued and email.message_id
        assert email.subject == f"Hi {r.member.context['first_name']}"
        assert f"number {r.member.context['n']}." in email.message
        assert "/mail/unsubscribe/" in email.html_message
        assert email.headers["List-Id"] == f'"news" <{campaign.list_id}>'
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert email.headers["List-Unsubscribe"].startswith("<http")
    assert Email.objects.count() == 10


def test_a_re_run_chunk_never_queues_a_recipient_twice(sending):
    campaign = sending(csv_text(10))
    run_fanout(campaign.id)
    first = dict(CampaignRecipient.objects.values_list("member_id", "email_id"))

    # A crashed worker's chunk runs again from the start: cursor rewound, flags reset.
    Campaign.objects.filter(pk=campaign.id).update(enrol_cursor=0, enrolled=False)
    run_fanout(campaign.id)

    assert dict(CampaignRecipient.objects.values_list("member_id", "email_id")) == first
    assert Email.objects.count() == 10
    assert CampaignRecipient.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_steps_of_one_campaign_queue_each_recipient_once(sending):
    campaign = sending(csv_text(30))

    errors = run_in_threads(lambda: run_fanout(campaign.id), 3)

    assert errors == []
    assert Email.objects.count() == 30
    assert sorted(e.to[0] for e in Email.objects.all()) == sorted(
        f"user{i}@example.com" for i in range(30)
    )


def test_suppressed_recipients_are_skipped_and_recorded(sending):
    Unsubscribe.objects.create(address="user1@example.com", reason="unsubscribed", scope="bulk")
    Unsubscribe.objects.create(address="user2@example.com", reason="hard_bounce", scope="all")
    campaign = sending(csv_text(4))

    run_fanout(campaign.id)

    states = dict(CampaignRecipient.objects.values_list("member__address", "state"))
    assert states == {
        "user0@example.com": "queued",
        "user1@example.com": "suppressed",
        "user2@example.com": "suppressed",
        "user3@example.com": "queued",
    }
    assert (
        CampaignRecipient.objects.get(member__address="user1@example.com").error
        == "Suppressed: unsubscribed"
    )
    assert sorted(e.to[0] for e in Email.objects.all()) == [
        "user0@example.com",
        "user3@example.com",
    ]


def test_template_errors_fail_that_recipient_only(sending):
    rows = "email,page\nok1@example.com,home\nbad@example.com,no-such-view\nok2@example.com,home\n"
    campaign = sending(rows, text="{% if page == 'home' %}home{% else %}{% url page %}{% endif %}")

    steps = run_fanout(campaign.id)

    assert steps[-1] is Step.DONE
    bad = CampaignRecipient.objects.get(member__address="bad@example.com")
    assert bad.state == State.FAILED and bad.email is None
    assert bad.error.startswith("Template error: NoReverseMatch:") and "no-such-view" in bad.error
    assert set(CampaignRecipient.objects.exclude(pk=bad.pk).values_list("state", flat=True)) == {
        "queued"
    }
    assert Email.objects.count() == 2


def test_a_paused_or_cancelled_campaign_is_not_fanned_out(sending):
    campaign = sending(csv_text(3))
    Campaign.objects.filter(pk=campaign.id).update(status=Campaign.Status.PAUSED)

    assert step(campaign.id) is Step.IDLE
    assert not Email.objects.exists()


def test_fan_out_waits_for_room_in_the_daily_quota(sending, settings):
    settings.MAILROOM_TRANSACTIONAL_SHARE = 0.0
    get_state().save_quota(Quota(10.0, 100.0, 94.0))
    campaign = sending(csv_text(10))

    steps = run_fanout(campaign.id)

    assert steps[-1] is Step.WAITING
    assert Email.objects.count() == 6  # the room left: 100 - 94
    campaign.refresh_from_db()
    assert campaign.not_before > timezone.now() + timedelta(seconds=250)
    assert CampaignRecipient.objects.filter(state=State.PENDING).count() == 4

    # The window rolled on: 92 sent in the last 24 h, and the 6 queued count too: room for 2.
    get_state().save_quota(Quota(10.0, 100.0, 92.0))
    assert run_fanout(campaign.id)[-1] is Step.WAITING
    assert Email.objects.count() == 8
