"""The dashboard: staff only, with the numbers, charts, rates and guard; resuming with a note."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailer.aws import Quota
from mailer.campaigns.models import Campaign
from mailer.pacing.limiter import get_state
from mailer.reputation import actions, guard, refresh
from mailer.reputation.models import GuardEvent
from mailer.reputation.rates import Counts
from tests.support import records

pytestmark = pytest.mark.django_db
DASHBOARD, RESUME = "/admin/reputation/dashboard/", "/admin/reputation/dashboard/resume/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client() -> Client:
    return client_for(User.objects.create_user("viewer", is_staff=True))


@pytest.fixture(autouse=True)
def stored_quota(redis_client) -> None:
    """The quota a worker stores at start (so the page does not ask SES)."""
    get_state().save_quota(Quota(14.0, 50000.0, 12500.0))


def test_the_dashboard_shows_today_rates_queue_and_guard(admin_client):
    news = records.campaign("news")
    records.outcomes(records.send(6, recipients=2), hard=1, soft=1)
    records.outcomes(records.send(2, campaign=news), complaints=1)
    records.send(1, dropped=3)
    refresh.run()
    response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="today-sent">15<' in html
    data = response.context["data"]
    assert (data.today.sent, data.today.hard_bounces, data.today.soft_bounces,
            data.today.complaints, data.today.suppressed) == (15, 1, 1, 1, 3)
    assert data.days == [] and data.quiet_days == 30  # empty history collapsed to one line
    assert "Not shown" not in html and "No mail in the 30 days before today." in html
    # 15 recipients in the window: too few for the guard to judge, and the page says so
    assert "campaign news" in html
    assert '<span class="rep-state-ok" id="guard-level">not judged yet: 15 of 1,000 recipients' \
        in html
    assert "(too few recipients to judge yet)" in html
    assert html.count('class="rep-chart"') == 2 and html.count('class="rep-gauge"') == 4
    assert 'src="http' not in html and 'href="http' not in html  # nothing from a CDN
    assert "Queued, bulk" in html and "12500 of 50000" in html and "/ 14 recipients/s" in html
    assert "Resume bulk mail" not in html


def test_a_held_guard_offers_resuming_with_a_note(admin_client):
    actions.hold("bounce rate 9 %", Counts())
    html = admin_client.get(DASHBOARD).content.decode()
    assert '<span class="rep-state-held" id="guard-level">held</span>' in html
    assert "Resume bulk mail" in html
    assert 'name="note"' in html


def test_staff_without_permissions_see_it_but_cannot_resume(staff_client):
    actions.hold("why", Counts())
    response = staff_client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Resuming needs the" in response.content.decode()
    assert staff_client.post(RESUME, {"note": "fine"}).status_code == 403
    assert not guard.bulk_allowed()


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.post(RESUME, {"note": "x"}).status_code == 302


def test_users_who_are_not_staff_are_refused():
    outsider = client_for(User.objects.create_user("outsider"))
    response = outsider.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_resume_with_a_note(admin_client, admin_user):
    news = records.campaign("news")
    actions.hold("bounce rate 9 %", Counts())
    response = admin_client.post(RESUME, {"note": "Bad list removed.", "campaigns": [news.id]},
                                 follow=True)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Bulk mail resumed." in response.content.decode()
    event = GuardEvent.objects.get(action=GuardEvent.Action.RESUMED)
    assert (event.actor, event.note) == (admin_user, "Bad list removed.")
    assert guard.bulk_allowed()
    news.refresh_from_db()
    assert news.status == Campaign.Status.SENDING


def test_resume_without_a_note_changes_nothing(admin_client):
    actions.hold("bounce rate 9 %", Counts())
    response = admin_client.post(RESUME, {"note": "  "}, follow=True)
    assert "Not resumed: Write what you checked" in response.content.decode() or (
        "Not resumed: This field is required." in response.content.decode())
    assert not guard.bulk_allowed()


def test_resume_when_nothing_is_held(admin_client):
    response = admin_client.post(RESUME, {"note": "just in case"}, follow=True)
    assert "Not resumed: Bulk mail is not held" in response.content.decode()


def test_resume_is_post_only(admin_client):
    assert admin_client.get(RESUME).status_code == 405


def test_every_admin_page_shows_the_banner_while_held(admin_client):
    assert "reputation-banner" not in admin_client.get("/admin/").content.decode()
    actions.hold("bounce rate 9 % >= pause threshold 4 %", Counts())
    html = admin_client.get("/admin/").content.decode()
    assert "Bulk mail is held by the reputation guard" in html
    assert "bounce rate 9 % &gt;= pause threshold 4 %" in html and DASHBOARD in html


def test_the_banner_warns_too(admin_client):
    actions.warn("bounce rate 2.5 %", Counts())
    html = admin_client.get("/admin/mailer/unsubscribe/").content.decode()
    assert "Reputation warning" in html and "bounce rate 2.5 %" in html


def test_the_admin_index_links_the_dashboard(staff_client):
    assert DASHBOARD in staff_client.get("/admin/").content.decode()


def test_past_days_with_mail_are_listed_and_held_campaign_mail_is_counted(admin_client):
    from datetime import timedelta

    from django.utils import timezone
    from post_office.models import Email

    records.send(3, at=timezone.now() - timedelta(days=2))
    records.send(2, bulk=True)
    Email.objects.filter(subject__in=Email.objects.order_by("-id").values("subject")[:2]).update(
        status=None
    )  # a paused campaign's held mail
    html = admin_client.get(DASHBOARD).content.decode()
    data = admin_client.get(DASHBOARD).context["data"]
    assert [d.sent for d in data.days] == [3] and data.quiet_days == 29
    assert "Not shown: 29 days without mail." in html
    assert 'id="held-bulk"><a href="/admin/campaigns/campaign/?status__exact=paused">2</a>' in html
    assert 'class="level"' in html  # the charts have a labelled y axis
