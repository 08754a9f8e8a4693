"""The admin: staff only, progress bars and counts, control actions, audience CSV import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from mailer.campaigns import control
from mailer.campaigns.models import Audience, AudienceMember, Campaign
from tests.support.campaigns import csv_text, run_fanout

pytestmark = pytest.mark.usefixtures("redis_client")


def test_only_staff_see_campaigns(client, django_user_model, make_campaign):
    make_campaign()
    django_user_model.objects.create_user("joe", password="pw")
    client.login(username="joe", password="pw")
    response = client.get(reverse("admin:campaigns_campaign_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_shows_a_progress_bar_counts_rate_and_eta(admin_client, sending):
    campaign = sending(csv_text(4))
    run_fanout(campaign.id)

    page = admin_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()

    assert 'class="campaign-progress"' in page and "queued 4" in page
    assert "0/s (nothing sent in the last minute)" in page
    assert "at the account limit" in page  # nothing sent yet: the ETA at the fallback rate
    assert '<script src="http' not in page and "cdn" not in page.lower()


def test_the_change_page_shows_the_detail_and_locks_content_once_sent(admin_client, sending):
    campaign = sending(csv_text(2))
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.id]))
    html = page.content.decode()
    assert page.status_code == 200 and "delivered / opened / clicked" in html
    assert 'name="subject"' not in html  # read-only while sending


def test_actions_control_campaigns_and_report_refusals(admin_client, make_campaign):
    draft = make_campaign(name="a")
    running = control.send(make_campaign(name="b").id)
    url = reverse("admin:campaigns_campaign_changelist")

    response = admin_client.post(
        url, {"action": "pause_campaigns", "_selected_action": [draft.id, running.id]}, follow=True
    )

    assert Campaign.objects.get(pk=running.id).status == "paused"
    assert Campaign.objects.get(pk=draft.id).status == "draft"
    text = response.content.decode()
    assert "Pause: 1 campaign(s)." in text and "is draft: it cannot be paused" in text


def post_add_form(client: Client, audience: Audience, **fields: str) -> HttpResponse:
    """POST the campaign add form: text "t", no List-Id, ``audience``, and ``fields``."""
    form = {"text": "t", "audience": audience.id, "list_id": "", **fields}
    return client.post(reverse("admin:campaigns_campaign_add"), form)


def test_the_add_form_rejects_a_template_that_does_not_compile(admin_client, make_campaign):
    response = post_add_form(
        admin_client, make_campaign().audience, name="x", from_email="a@example.com",
        subject="{% nope %}",
    )
    assert response.status_code == 200
    assert "The subject template does not compile" in response.content.decode()
    assert not Campaign.objects.filter(name="x").exists()


def test_audience_import_lists_bad_lines_and_imports_nothing(admin_client, db):
    audience = Audience.objects.create(name="list")
    url = reverse("admin:campaigns_audience_import", args=[audience.id])
    assert (
        admin_client.get(reverse("admin:campaigns_audience_change", args=[audience.id]))
        .content.decode()
        .count(url)
        == 1
    )

    bad = SimpleUploadedFile("a.csv", b"email,n\na@example.com,1\nbroken,2\n", "text/csv")
    response = admin_client.post(url, {"csv_file": bad})
    assert (
        response.status_code == 200
        and "line 3: &#x27;broken&#x27; cannot be used" in response.content.decode()
    )
    assert not AudienceMember.objects.exists()

    good = SimpleUploadedFile("a.csv", "\ufeffemail,n\na@example.com,1\n".encode(), "text/csv")
    response = admin_client.post(url, {"csv_file": good})
    assert response.status_code == 302
    assert AudienceMember.objects.get().context == {"n": "1"}


def test_the_add_form_derives_the_list_id(admin_client, make_campaign):
    response = post_add_form(
        admin_client, make_campaign().audience, name="Autumn",
        from_email="Shop <shop@example.net>", subject="Hi", html="",
    )
    assert response.status_code == 302
    assert Campaign.objects.get(name="Autumn").list_id == "autumn.example.net"


def _staff_with(django_user_model, *codenames: str):
    from django.contrib.auth.models import Permission
    from django.test import Client

    user = django_user_model.objects.create_user(f"u-{'-'.join(codenames)}", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def _offered(client, url: str) -> set[str]:
    form = client.get(url).context["action_form"]
    return {name for name, _label in form.fields["action"].choices} if form else set()


def test_viewing_campaigns_does_not_let_a_user_send_one(django_user_model, make_campaign):
    campaign = make_campaign()
    client = _staff_with(django_user_model, "view_campaign", "change_campaign")
    url = reverse("admin:campaigns_campaign_changelist")
    assert not {"send_campaigns", "pause_campaigns", "retry_failed"} & _offered(client, url)
    client.post(url, {"action": "send_campaigns", "_selected_action": [campaign.id]})
    assert Campaign.objects.get(pk=campaign.id).status == "draft"


def test_send_and_control_are_separate_permissions(django_user_model, make_campaign):
    campaign = make_campaign()
    url = reverse("admin:campaigns_campaign_changelist")
    sender = _staff_with(django_user_model, "view_campaign", "send_campaign")
    names = _offered(sender, url)
    assert {"send_campaigns", "retry_failed"} <= names and "pause_campaigns" not in names
    sender.post(url, {"action": "send_campaigns", "_selected_action": [campaign.id]})
    assert Campaign.objects.get(pk=campaign.id).status in ("sending", "done")

    controller = _staff_with(django_user_model, "view_campaign", "control_campaign")
    names = _offered(controller, url)
    assert {"pause_campaigns", "resume_campaigns", "cancel_campaigns"} <= names
    assert "send_campaigns" not in names


@pytest.mark.parametrize("field", ["from_email", "list_id", "subject"])
def test_the_add_form_refuses_a_line_break_in_a_header_field(admin_client, make_campaign, field):
    audience = make_campaign().audience
    data = {"name": "x", "from_email": "a@example.com", "subject": "Hi", "text": "t",
            "audience": audience.id, "list_id": "x.example.com"}
    data[field] = data[field][:1] + "\r\nBcc: victim@example.com"
    response = admin_client.post(reverse("admin:campaigns_campaign_add"), data)
    assert response.status_code == 200 and "must be one line" in response.content.decode()
    assert not Campaign.objects.filter(name="x").exists()


def control_url(campaign: Campaign, name: str) -> str:
    return reverse("admin:campaigns_campaign_control", args=[campaign.id, name])


def test_the_campaign_page_offers_the_controls_its_status_allows(admin_client, sending):
    campaign = sending(csv_text(2))
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.id]))
    html = page.content.decode()
    assert 'id="campaign-controls"' in html
    assert 'value="Pause"' in html and 'value="Cancel"' in html and 'value="Resume"' not in html
    # started: nothing to save, nothing to delete, the schedule read-only too
    assert 'name="_save"' not in html and "deletelink" not in html
    assert 'name="scheduled_at_0"' not in html


def test_a_control_runs_on_post_only_and_reports_back_on_the_page(admin_client, sending):
    campaign = sending(csv_text(2))
    assert admin_client.get(control_url(campaign, "pause")).status_code == 405
    response = admin_client.post(control_url(campaign, "pause"), follow=True)
    assert Campaign.objects.get(pk=campaign.id).status == "paused"
    html = response.content.decode()
    assert "Campaign paused" in html and 'value="Resume"' in html
    response = admin_client.post(control_url(campaign, "pause"), follow=True)
    assert "it cannot be paused" in response.content.decode()  # the service's refusal, shown
    admin_client.post(control_url(campaign, "resume"))
    assert Campaign.objects.get(pk=campaign.id).status == "sending"
    assert admin_client.post(control_url(campaign, "explode")).status_code == 404


def test_controls_need_their_permission(client, django_user_model, sending):
    from django.contrib.auth.models import Permission

    campaign = sending(csv_text(2))
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)
    html = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.id])).content
    assert b"needs the" in html and b'value="Pause"' not in html
    assert client.post(control_url(campaign, "pause")).status_code == 403
    assert Campaign.objects.get(pk=campaign.id).status == "sending"


def test_a_draft_stays_editable_and_can_be_sent_from_its_page(admin_client, make_campaign):
    draft = make_campaign(csv_text(2))
    html = admin_client.get(reverse("admin:campaigns_campaign_change", args=[draft.id])).content
    assert b'name="_save"' in html and b'value="Send now"' in html
    admin_client.post(control_url(draft, "send"))
    assert Campaign.objects.get(pk=draft.id).status == "sending"
