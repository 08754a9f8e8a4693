"""The guard's view of the campaigns app: running ones, pausing, resuming, refusals wrapped."""

from __future__ import annotations

import pytest

from mailer.campaigns.models import Campaign
from mailer.reputation import campaigns
from mailer.reputation.exceptions import CampaignControlError
from tests.support import records

pytestmark = pytest.mark.django_db
Status = Campaign.Status


def test_pause_running_pauses_the_sending_ones_and_names_them():
    news, promo = records.campaign("news"), records.campaign("promo")
    Campaign.objects.filter(pk=promo.pk).update(status=Status.DONE)
    assert campaigns.running() == {news.id: "news"}
    assert campaigns.pause_running() == {news.id: "news"}
    assert campaigns.running() == {} and campaigns.paused([news.id, promo.id]) == {
        news.id: "news"}


def test_a_refusal_is_wrapped_with_the_campaign():
    done = records.campaign("done")
    Campaign.objects.filter(pk=done.pk).update(status=Status.DONE)
    with pytest.raises(CampaignControlError, match=f"Could not pause campaign {done.id}"):
        campaigns.pause(done.id)
    with pytest.raises(CampaignControlError, match="Could not resume"):
        campaigns.resume(done.id)


def test_the_paused_emails_are_held_and_resume_puts_them_back():
    news = records.campaign("news")
    campaigns.pause(news.id)
    assert campaigns.resume(news.id) == "news"
    assert campaigns.running() == {news.id: "news"}


def test_names_skip_deleted_campaigns():
    news = records.campaign("news")
    assert campaigns.names([news.id, 999]) == {news.id: "news"}
