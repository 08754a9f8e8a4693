"""admin: read-only lists with filters and search by address and SES MessageId."""

from __future__ import annotations

import pytest

from bouncy import processing
from bouncy.models import Bounce, Complaint, Delivery, Event, Notification
from tests.support.files import ses_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(post, publisher):
    for name in ("awsdoc_notification_bounce_permanent_general_no_dsn.json",
                 "awsdoc_notification_complaint_abuse_with_feedback.json",
                 "awsdoc_event_delivery.json", "awsdoc_event_open.json"):
        assert post(publisher.notification(ses_text(name))).status_code == 200
    processing.process_pending(10)


@pytest.mark.parametrize("model", [Notification, Bounce, Complaint, Delivery, Event])
def test_lists_render_and_are_read_only(admin_client, stored, model):
    url = f"/admin/bouncy/{model._meta.model_name}/"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert admin_client.get(url + "add/").status_code == 403
    row = model.objects.first()
    detail = admin_client.get(f"{url}{row.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content


def test_search_bounces_by_address_and_mail_id(admin_client, stored):
    response = admin_client.get("/admin/bouncy/bounce/", {"q": "richard@"})
    assert response.context["cl"].result_count == 1
    mail_id = Bounce.objects.first().mail_id
    response = admin_client.get("/admin/bouncy/bounce/", {"q": mail_id})
    assert response.context["cl"].result_count == 2


def test_filter_bounces_by_hard(admin_client, stored):
    response = admin_client.get("/admin/bouncy/bounce/", {"hard__exact": "0"})
    assert response.context["cl"].result_count == 0


def test_search_events_by_address(admin_client, stored):
    response = admin_client.get("/admin/bouncy/event/", {"q": "recipient@example.com"})
    assert response.context["cl"].result_count == 1
