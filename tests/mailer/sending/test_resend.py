"""Re-sending from the admin: POST with CSRF and the change permission, through the queue."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from post_office import mail
from post_office.models import STATUS, Email, Log

from mailer.models import Delivery
from mailer.sending import resend

pytestmark = pytest.mark.usefixtures("redis_client")
CHANGELIST = "/admin/post_office/email/"


def _sent_email() -> Email:
    email = mail.send("to@example.com", "from@example.com", subject="s", message="m")
    Email.objects.filter(pk=email.pk).update(status=STATUS.sent)
    Delivery.objects.create(email_id=email.pk, state="sent", ses_message_id="first-send")
    return email


def _client(*codenames: str, csrf: bool = False) -> Client:
    user = User.objects.create_user("staff", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _queued_again(email: Email) -> bool:
    return Email.objects.get(pk=email.pk).status == STATUS.queued


@pytest.mark.django_db
def test_a_get_of_the_resend_url_changes_nothing():
    email = _sent_email()
    client = _client("view_email", "change_email")
    response = client.get(reverse("admin:post_office_email_resend", args=[email.pk]))
    assert response.status_code == 405
    assert not _queued_again(email) and not Log.objects.filter(email=email).exists()


@pytest.mark.django_db
def test_a_resend_needs_the_csrf_token():
    email = _sent_email()
    client = _client("view_email", "change_email", csrf=True)
    response = client.post(reverse("admin:post_office_email_resend", args=[email.pk]))
    assert response.status_code == 403 and not _queued_again(email)


@pytest.mark.django_db
def test_a_resend_needs_the_change_permission():
    email = _sent_email()
    response = _client("view_email").post(
        reverse("admin:post_office_email_resend", args=[email.pk])
    )
    assert response.status_code == 403 and not _queued_again(email)


@pytest.mark.django_db
def test_a_resend_queues_the_email_and_records_a_possible_duplicate():
    email = _sent_email()
    client = _client("view_email", "change_email", csrf=True)
    page = client.get(reverse("admin:post_office_email_change", args=[email.pk]))
    token = page.cookies["csrftoken"].value
    url = reverse("admin:post_office_email_resend", args=[email.pk])
    assert f'action="{url}"' in page.content.decode()  # the page offers a POST form

    response = client.post(url, {"csrfmiddlewaretoken": token})

    assert response.status_code == 302 and _queued_again(email)
    delivery = Delivery.objects.get(email_id=email.pk)
    assert delivery.possible_duplicate and delivery.state == "sent"  # not sent in the request
    log = Log.objects.get(email=email)
    assert log.exception_type == "Resent" and "staff" in log.message


@pytest.mark.django_db
def test_requeue_needs_the_change_permission_and_records_re_sends():
    sent = _sent_email()
    failed = mail.send("x@example.com", "from@example.com", subject="f", message="m")
    Email.objects.filter(pk=failed.pk).update(status=STATUS.failed)
    post = {"action": "requeue", "_selected_action": [sent.pk, failed.pk]}

    _client("view_email").post(CHANGELIST, post)
    assert not _queued_again(sent) and not _queued_again(failed)

    User.objects.all().delete()
    _client("view_email", "change_email").post(CHANGELIST, post)
    assert _queued_again(sent) and _queued_again(failed)
    assert Delivery.objects.get(email_id=sent.pk).possible_duplicate
    kinds = dict(Log.objects.values_list("email_id", "exception_type"))
    assert kinds == {sent.pk: "Resent", failed.pk: "Requeued"}


@pytest.mark.django_db
def test_requeue_leaves_pending_held_and_leased_mail_alone():
    from datetime import timedelta

    from django.utils import timezone

    pending = mail.send("p@example.com", "from@example.com", subject="p", message="m")
    held = mail.send("h@example.com", "from@example.com", subject="h", message="m")
    Email.objects.filter(pk=held.pk).update(status=None)
    leased = _sent_email()
    Delivery.objects.filter(email_id=leased.pk).update(
        lease_expires_at=timezone.now() + timedelta(minutes=5)
    )

    outcome = resend.requeue([pending.pk, held.pk, leased.pk], "ops")

    assert outcome.queued == [] and outcome.skipped == 3
    assert Email.objects.get(pk=held.pk).status is None
    assert Email.objects.get(pk=leased.pk).status == STATUS.sent


@pytest.mark.django_db
def test_the_change_form_cannot_set_status_or_priority():
    """Status is the queue's; priority is the lane (and the suppression scope)."""
    email = _sent_email()
    client = _client("view_email", "change_email")
    url = reverse("admin:post_office_email_change", args=[email.pk])
    form = client.get(url).context["adminform"].form
    assert "status" not in form.fields and "priority" not in form.fields
    client.post(url, {"to": "to@example.com", "from_email": "from@example.com",
                      "status": STATUS.queued, "priority": 3})
    email.refresh_from_db()
    assert email.status == STATUS.sent and not Log.objects.filter(email=email).exists()
