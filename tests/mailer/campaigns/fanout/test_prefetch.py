"""A run of fan-out steps composes each chunk while the one before is written."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone, translation
from post_office.models import Email

from mailer.campaigns.fanout import one_pass
from mailer.campaigns.fanout import prefetch as ahead_module
from mailer.campaigns.fanout.prefetch import Ahead
from mailer.campaigns.fanout.steps import Step, run
from mailer.campaigns.models import Campaign, CampaignRecipient
from tests.support.campaigns import csv_text


@pytest.fixture(autouse=True)
def _small_chunks(settings, redis_client) -> None:
    settings.MAILROOM_CAMPAIGN_CHUNK_SIZE = 4


@pytest.fixture
def composing_threads(monkeypatch) -> list[str]:
    """The name of the thread each chunk was composed in."""
    names: list[str] = []
    compose = one_pass.compose

    def spy(chunk):
        names.append(threading.current_thread().name)
        return compose(chunk)

    monkeypatch.setattr(one_pass, "compose", spy)
    return names


def test_one_run_queues_every_chunk_composing_all_but_the_first_ahead(sending, composing_threads):
    campaign = sending(csv_text(10), html="<p>{{ first_name }} {{ unsubscribe_url }}</p>")

    assert run(campaign.id, chunks=5) is Step.DONE

    recipients = CampaignRecipient.objects.filter(campaign=campaign).select_related("email")
    assert sorted(r.state for r in recipients) == ["queued"] * 10
    for r in recipients:
        assert r.email.to == [r.member.address]
        assert r.email.subject == f"Hi {r.member.context['first_name']}"
    assert Email.objects.count() == 10
    main = threading.current_thread().name
    assert composing_threads[0] == main
    assert [name.startswith("fan-out-compose") for name in composing_threads[1:]] == [True, True]
    assert Campaign.objects.get(pk=campaign.id).enrolled


def test_a_run_stops_after_its_steps_and_the_next_run_goes_on(sending):
    campaign = sending(csv_text(10))

    assert run(campaign.id, chunks=2) is Step.MORE
    assert Email.objects.count() == 8
    assert run(campaign.id, chunks=2) is Step.DONE
    assert Email.objects.count() == 10


def test_a_chunk_composed_ahead_is_dropped_if_the_cursor_moved(sending):
    campaign = sending(csv_text(10))
    campaign = Campaign.objects.get(pk=campaign.id)

    with Ahead() as ahead:
        ahead.start(one_pass.read(campaign, 0, 4, timezone.now()))
        assert ahead.take(after=4) is None  # another step wrote a chunk meanwhile
        assert ahead.take(after=0) is None  # taken once only
        ahead.start(one_pass.read(campaign, 0, 4, timezone.now()))
        rows = ahead.take(after=0)

    assert rows.chunk.after == 0 and rows.queued == 4 and len(rows.recipients) == 4


def test_a_re_run_after_a_rewound_cursor_queues_nobody_twice(sending):
    campaign = sending(csv_text(10))
    run(campaign.id, chunks=5)
    first = dict(CampaignRecipient.objects.values_list("member_id", "email_id"))

    Campaign.objects.filter(pk=campaign.id).update(enrol_cursor=0, enrolled=False)
    assert run(campaign.id, chunks=5) is Step.DONE

    assert dict(CampaignRecipient.objects.values_list("member_id", "email_id")) == first
    assert Email.objects.count() == 10


def test_the_thread_composes_in_the_callers_language(sending, monkeypatch):
    seen: list[str | None] = []
    compose = one_pass.compose
    monkeypatch.setattr(one_pass, "compose", lambda c: (seen.append(translation.get_language()),
                                                      compose(c))[1])
    campaign = sending(csv_text(10))

    with translation.override("de"):
        run(campaign.id, chunks=3)

    assert seen == ["de", "de", "de"]


def test_the_switch_interval_is_restored(sending):
    import sys

    before = sys.getswitchinterval()
    campaign = sending(csv_text(10))

    run(campaign.id, chunks=3)

    assert sys.getswitchinterval() == before != ahead_module.SWITCH_INTERVAL


def test_overlapping_runs_restore_the_switch_interval_once_both_end():
    import sys

    before = sys.getswitchinterval()
    ahead_module._fast_switching(True)  # a run composes ahead
    ahead_module._fast_switching(True)  # another, in another thread of the process
    ahead_module._fast_switching(False)  # the second ends first
    assert sys.getswitchinterval() == ahead_module.SWITCH_INTERVAL
    ahead_module._fast_switching(False)
    assert sys.getswitchinterval() == before


def test_templates_beyond_bare_names_render_in_the_composing_thread(sending):
    campaign = sending(csv_text(10), subject="Hi {{ first_name|upper }}",
                       text="{% if n %}number {{ n }}{% endif %}")

    assert run(campaign.id, chunks=5) is Step.DONE

    subjects = sorted(Email.objects.values_list("subject", flat=True))
    assert subjects == sorted(f"Hi USER {i}" for i in range(10))
    bodies = set(Email.objects.values_list("message", flat=True))
    assert bodies == {f"number {i}" for i in range(10)}
