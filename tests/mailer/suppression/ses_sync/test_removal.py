"""Removal follows the operator: what the admin removes is deleted from SES's list (the next
send is delivered); a failure is shown on the page, kept and retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.mail import send_mail
from django.utils import timezone

from mailer.models import SesListed, SesRemoval, SesSyncState, Unsubscribe
from mailer.suppression.ses_sync import pull, removal
from tests.support.waiting import wait_until

CHANGELIST = "/admin/mailer/unsubscribe/"
FIXED = "success+fixed@simulator.amazonses.com"


def admin_remove(client, address: str) -> None:
    row = Unsubscribe.objects.get(address=address)
    post = {
        "action": "remove_suppressions",
        "_selected_action": [row.pk],
        "index": "0",
        "apply": "1",
        "note": "customer fixed their mailbox",
    }
    response = client.post(CHANGELIST, post)
    assert response.status_code == 302, response.content[:500]


def kinds_for(box, address: str) -> list[str]:
    return [n["kind"] for n in box.notifications() if address in n["recipients"]]


@pytest.mark.django_db(transaction=True)
def test_admin_removal_deletes_at_ses_and_the_next_send_is_delivered(
    box, admin_client, start_worker
):
    box.suppression.put(FIXED, "BOUNCE")
    pull.pull()
    assert Unsubscribe.objects.filter(address=FIXED).exists()
    admin_remove(admin_client, FIXED)
    start_worker()
    wait_until(
        lambda: FIXED not in box.suppression.addresses(),
        60,
        "the worker's removal task to delete the address at SES",
    )
    # The task deletes at SES first, then commits the end of its outbox row: wait for both.
    wait_until(
        lambda: not SesRemoval.objects.exists() and not SesListed.objects.exists(),
        30,
        "the removal task to clear its outbox row after SES confirmed",
    )
    send_mail("Back again", "Body", "sender@example.com", [FIXED])
    wait_until(lambda: kinds_for(box, FIXED), 60, "the send to reach the mailbox simulator")
    assert kinds_for(box, FIXED) == ["Delivery"]


@pytest.mark.django_db(transaction=True)
def test_without_the_removal_at_ses_the_send_would_bounce(box, start_worker):
    box.suppression.put(FIXED, "BOUNCE")
    start_worker()
    send_mail("Still listed", "Body", "sender@example.com", [FIXED])
    wait_until(lambda: kinds_for(box, FIXED), 60, "the send to reach the mailbox simulator")
    assert kinds_for(box, FIXED) == ["Bounce"]


@pytest.mark.django_db
def test_a_failed_removal_is_shown_kept_and_retried(box, admin_client):
    box.suppression.put("fixed@example.com", "BOUNCE")
    pull.pull()
    admin_remove(admin_client, "fixed@example.com")
    box.suppression.add_fault("ServiceUnavailable", 6, "DeleteSuppressedDestination")
    result = removal.run_due()
    assert result.failed == [
        "fixed@example.com: ServiceUnavailable: Service is unavailable. Please try again later."
    ]
    pending = SesRemoval.objects.get()
    assert pending.attempts == 1 and pending.next_attempt_at > timezone.now()
    assert SesSyncState.objects.get().last_error.startswith("removal: ServiceUnavailable")
    page = admin_client.get(CHANGELIST).content.decode()
    assert "fixed@example.com" in page and "1 failed attempt: ServiceUnavailable" in page
    assert removal.run_due().deleted == 0  # not due yet
    assert removal.run_due(timezone.now() + timedelta(minutes=2)).deleted == 1
    assert box.suppression.addresses() == [] and not SesRemoval.objects.exists()
    assert "ses-removals" not in admin_client.get(CHANGELIST).content.decode()


@pytest.mark.django_db
def test_an_address_ses_does_not_list_is_simply_done(box, admin_user):
    removal.request(["never@example.com"], "admin")
    result = removal.run_due()
    assert (result.deleted, result.not_listed, result.failed) == (0, 1, [])
    assert not SesRemoval.objects.exists()


@pytest.mark.django_db
def test_throttles_on_removal_are_waited_out(box):
    box.suppression.put("a@example.com", "COMPLAINT")
    removal.request(["a@example.com"], "admin")
    box.suppression.add_fault("Throttling", 3, "DeleteSuppressedDestination")
    result = removal.run_due()
    assert (result.deleted, result.throttles) == (1, 3)


@pytest.mark.django_db(transaction=True)
def test_beat_syncs_the_list_by_itself(box, start_worker):
    box.suppression.put("listed@example.com", "COMPLAINT")
    start_worker(beat=True, env={"MAILROOM_SES_SUPPRESSION_SYNC_SECONDS": "1"})
    wait_until(
        lambda: SesSyncState.objects.filter(last_full_pull_at__isnull=False).exists(),
        60,
        "beat's sync to read SES's list",
    )
    row = Unsubscribe.objects.get(address="listed@example.com")
    assert row.source.startswith("SES account suppression list: COMPLAINT")
