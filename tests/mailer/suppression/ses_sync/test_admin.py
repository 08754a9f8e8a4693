"""The suppression admin shows, per address, whether SES's list has it; retrying the pending
removals at SES is a POST that needs the remove permission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from mailer.models import SesRemoval, SesSyncState, Unsubscribe
from mailer.suppression.ses_sync import pull, removal

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/mailer/unsubscribe/"
RETRY = "/admin/mailer/unsubscribe/ses-removals/retry/"


def cells(client) -> dict[str, str]:
    response = client.get(CHANGELIST)
    admin = response.context["cl"].model_admin
    return {row.address: admin.at_ses(row) for row in response.context["cl"].result_list}


def test_each_address_says_whether_ses_lists_it(box, admin_client):
    Unsubscribe.objects.create(address="local@example.com", reason="hard_bounce")
    box.suppression.put("listed@example.com", "COMPLAINT")
    assert cells(admin_client) == {"local@example.com": "not known (never synced)"}
    pull.pull()
    assert cells(admin_client) == {
        "local@example.com": "no",
        "listed@example.com": "yes (COMPLAINT)",
    }
    row = Unsubscribe.objects.get(address="listed@example.com")
    detail = admin_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()
    assert "yes (COMPLAINT)" in detail


def test_the_page_shows_the_last_sync_and_its_error(box, admin_client):
    assert "never read yet" in admin_client.get(CHANGELIST).content.decode()
    pull.pull()
    assert "last read " in admin_client.get(CHANGELIST).content.decode()


@pytest.fixture
def viewer(client) -> User:
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_unsubscribe"))
    client.force_login(user)
    return user


def test_retry_needs_a_post_and_the_remove_permission(box, client, viewer, admin_client):
    removal.request(["a@example.com"], "admin", timezone.now())
    later = timezone.now() + timedelta(hours=1)
    SesRemoval.objects.update(attempts=2, next_attempt_at=later)
    assert client.post(RETRY).status_code == 403
    assert "Retry now" not in client.get(CHANGELIST).content.decode()
    assert admin_client.get(RETRY).status_code == 405
    assert SesRemoval.objects.get().next_attempt_at == later
    response = admin_client.post(RETRY)
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert SesRemoval.objects.get().next_attempt_at <= timezone.now()


def test_looking_at_the_page_writes_nothing(box, admin_client):
    admin_client.get(CHANGELIST)
    assert not SesSyncState.objects.exists()
