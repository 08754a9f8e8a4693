"""bouncy's pages as the operator reads them: the facts in the lists, and a notification's page
with its decoded rows, its raw JSON folded, and links to the email, campaign and suppression."""

from __future__ import annotations

import json

import pytest
from post_office.models import Email

from bouncy.models import Bounce
from mailer.models import Delivery, Unsubscribe
from mailer.suppression.feedback_receiver import SOURCE_PREFIX
from tests.support import records

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounced(redis_client) -> Bounce:
    """A campaign email's hard bounce, with the suppression it caused."""
    news = records.campaign("news")
    [delivery] = records.send(1, campaign=news)
    row = records.bounce(delivery)
    Bounce.objects.filter(pk=row.pk).update(
        status="5.1.1", diagnostic_code="smtp; 550 5.1.1 user unknown", bounce_subtype="General"
    )
    message = {"notificationType": "Bounce", "bounce": {"bouncedRecipients": [row.address]}}
    row.notification.body = json.dumps({"Type": "Notification", "Message": json.dumps(message)})
    row.notification.kind = "Bounce"
    row.notification.save()
    Unsubscribe.objects.create(
        address=row.address,
        reason="hard_bounce",
        source=f"{SOURCE_PREFIX}{row.notification_id}: hard bounce",
    )
    return Bounce.objects.get(pk=row.pk)


def test_the_bounce_list_shows_when_address_type_diagnostic_and_campaign(admin_client, bounced):
    html = admin_client.get("/admin/bouncy/bounce/").content.decode()
    local, domain = bounced.address.split("@")
    assert f"{local}<wbr>@{domain}" in html and "hard · General" in html
    assert "5.1.1 smtp; 550 5.1.1 user unknown" in html
    # "when" leads to the notification, whose page has every fact and the links onward
    assert f'href="/admin/bouncy/notification/{bounced.notification_id}/change/"' in html
    assert ">news</a>" in html  # its campaign
    assert "SES MessageId" not in html  # the raw ids stay on the detail pages


def test_a_notification_page_puts_the_facts_first_and_links_onward(admin_client, bounced):
    url = f"/admin/bouncy/notification/{bounced.notification_id}/change/"
    html = admin_client.get(url).content.decode()
    assert '<table class="bouncy-facts">' in html and "hard bounce 5.1.1" in html
    assert f'href="/admin/post_office/email/{bounced.email_id}/change/"' in html
    assert "campaign news" in html
    suppression = Unsubscribe.objects.get(address=bounced.address)
    assert f'href="/admin/mailer/unsubscribe/{suppression.pk}/change/"' in html
    # the raw JSON, its SES message decoded, folded below the facts
    assert html.index("bouncy-facts") < html.index("Raw JSON")
    assert "&quot;notificationType&quot;: &quot;Bounce&quot;" in html
    assert "collapse" in html[html.index("Raw JSON") - 400 : html.index("Raw JSON")]


def test_the_notification_list_names_addresses_and_outcomes(admin_client, bounced):
    html = admin_client.get("/admin/bouncy/notification/").content.decode()
    assert "<wbr>@" in html and "hard bounce 5.1.1" in html


def test_the_sends_list_shows_recipient_subject_held_and_quiet_booleans(admin_client, bounced):
    [held] = records.send(1, bulk=True)
    Email.objects.filter(pk=held.email_id).update(status=None)
    Delivery.objects.filter(pk=held.pk).update(state=Delivery.State.QUEUED)
    response = admin_client.get("/admin/mailer/delivery/")
    html = response.content.decode()
    assert response.context["title"] == "Sends (one per email)"
    assert f'<a href="/admin/post_office/email/{held.email_id}/change/">#' in html
    local, domain = held.email.to[0].split("@")
    assert f"{local}<wbr>@{domain}" in html and held.email.subject in html
    assert "held (campaign paused)" in html
    assert 'alt="False"' not in html and '<td class="field-duplicate_flag">-</td>' in html
    Delivery.objects.filter(pk=held.pk).update(possible_duplicate=True)
    assert "⚠ possible duplicate" in admin_client.get("/admin/mailer/delivery/").content.decode()
