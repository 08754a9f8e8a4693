"""Real Celery workers apply stored feedback: within seconds, and nothing lost to a SIGKILL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection

from bouncy import models as bouncy_models
from bouncy import processing
from mailer.campaigns.models import CampaignRecipient
from mailer.models import SoftBounce, Unsubscribe
from tests.support.campaigns import csv_text, run_fanout, settle_email
from tests.support.feedback import bounce, event, store
from tests.support.waiting import wait_until
from tests.support.workers import database_url, kill

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime.now(UTC)


def test_a_stored_hard_bounce_is_suppressed_by_a_worker_within_seconds(start_worker):
    start_worker(concurrency=1)
    store(str(uuid.uuid4()), bounce("m-x", "gone@example.com", NOW, "hard"))
    wait_until(
        lambda: Unsubscribe.objects.filter(address="gone@example.com").exists(),
        30,
        "no worker applied the stored hard bounce",
    )
    assert bouncy_models.Bounce.objects.get().address == "gone@example.com"
    assert not processing.pending().exists()


def test_a_worker_killed_mid_batch_loses_nothing(start_worker, sending):
    run_fanout(sending(csv_text(1)).id)
    recipient = CampaignRecipient.objects.get()
    settle_email(recipient.email_id, "sent", ses_message_id="m0")
    SoftBounce.objects.create(
        address="held@example.com", count=1, first_at=NOW, last_at=NOW, recent=[NOW.isoformat()]
    )
    for name in ("Open", "Open", "Click"):
        store(str(uuid.uuid4()), event("m0", name, NOW))
    store(str(uuid.uuid4()), bounce("m0", "held@example.com", NOW, "soft"))
    store(str(uuid.uuid4()), bounce("m0", "gone@example.com", NOW, "hard"))

    with psycopg.connect(database_url()) as holder:  # holds the run the batch will need
        holder.execute(
            "SELECT 1 FROM mailer_softbounce WHERE address = %s FOR UPDATE", ["held@example.com"]
        )
        worker = start_worker(concurrency=1)
        batch_pid = wait_for_a_batch_waiting_on(holder)
        kill(worker)  # SIGKILL, mid-batch: rows stored, campaign counted, not committed
        holder.rollback()
    wait_until(lambda: not backend_alive(batch_pid), 30, "the killed batch's backend stayed")

    assert processing.pending().count() == 5 and not bouncy_models.Event.objects.exists()
    recipient.refresh_from_db()
    assert (recipient.opens, recipient.clicks) == (0, 0)

    start_worker(concurrency=1, beat=True, env={"MAILROOM_SWEEP_SECONDS": "1"})
    wait_until(lambda: not processing.pending().exists(), 60, "the sweep did not resume")
    recipient.refresh_from_db()
    assert (recipient.opens, recipient.clicks) == (2, 1)
    assert bouncy_models.Event.objects.count() == 3 and bouncy_models.Bounce.objects.count() == 2
    assert SoftBounce.objects.get(address="held@example.com").count == 2
    assert Unsubscribe.objects.get().address == "gone@example.com"


def wait_for_a_batch_waiting_on(holder: psycopg.Connection) -> int:
    """The pid of the worker's backend once it waits for the row ``holder`` locked."""
    pids: list[int] = []

    def waiting() -> bool:
        with psycopg.connect(database_url()) as probe:
            rows = probe.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
                "'Lock' AND pid <> %s",
                [connection.settings_dict["NAME"], holder.info.backend_pid],
            ).fetchall()
        pids[:] = [row[0] for row in rows]
        return bool(pids)

    wait_until(waiting, 60, "no worker started a batch")
    return pids[0]


def backend_alive(pid: int) -> bool:
    with psycopg.connect(database_url()) as probe:
        found = probe.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(found.fetchall())
