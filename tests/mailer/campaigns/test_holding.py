"""Holding, releasing and failing a campaign's emails never overrides a worker's outcome."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from post_office.models import STATUS, Email, Log

from mailer.campaigns import control, reconcile
from mailer.campaigns.models import CampaignRecipient
from mailer.models import Delivery
from tests.support.campaigns import csv_text, run_fanout


def in_thread(target) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_cancel_keeps_an_email_a_worker_records_as_sent_meanwhile(sending, redis_client):
    campaign = sending(csv_text(2))
    run_fanout(campaign.id)
    email_id = CampaignRecipient.objects.order_by("id").first().email_id
    recording, commit = threading.Event(), threading.Event()

    def worker_records_sent() -> None:  # as queue.record_sent: the Email and its Delivery
        with transaction.atomic():
            Email.objects.filter(pk=email_id).update(status=STATUS.sent)
            Delivery.objects.update_or_create(email_id=email_id, defaults={"state": "sent"})
            recording.set()
            commit.wait(10)

    worker = in_thread(worker_records_sent)
    assert recording.wait(10)
    canceller = in_thread(lambda: control.cancel(campaign.id))
    time.sleep(0.5)  # cancel now waits for the worker's row lock
    commit.set()
    worker.join(10)
    canceller.join(10)

    assert Email.objects.get(pk=email_id).status == STATUS.sent
    assert not Log.objects.filter(email_id=email_id).exists()
    assert Log.objects.filter(message="campaign cancelled").count() == 1
    reconcile.sync(campaign.id)
    states = sorted(CampaignRecipient.objects.values_list("state", flat=True))
    assert states == ["cancelled", "sent"]


def test_pause_holds_only_pending_emails_and_resume_only_held_ones(sending):
    campaign = sending(csv_text(3))
    run_fanout(campaign.id)
    first, second, _ = CampaignRecipient.objects.order_by("id").values_list("email_id", flat=True)
    Email.objects.filter(pk=first).update(status=STATUS.sent)
    Email.objects.filter(pk=second).update(status=STATUS.failed)

    control.pause(campaign.id)
    assert sorted(map(str, Email.objects.values_list("status", flat=True))) == ["0", "1", "None"]
    control.resume(campaign.id)
    assert sorted(Email.objects.values_list("status", flat=True)) == [0, 1, 2]
