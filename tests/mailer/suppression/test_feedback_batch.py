"""A feedback batch applies a stream exactly as applying its notifications one by one would."""

from __future__ import annotations

import json
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from bouncy import models as bouncy_models
from bouncy import processing
from mailer import queue
from mailer.campaigns.models import CampaignRecipient
from mailer.lanes import BULK
from mailer.models import Delivery, SoftBounce, Unsubscribe
from mailer.reputation import rates
from tests.support.campaigns import csv_text, run_fanout
from tests.support.feedback import bounce, complaint, delivery, event, store

START = datetime(2026, 3, 1, tzinfo=UTC)
RECIPIENTS = [f"user{i}@example.com" for i in range(4)]
OTHERS = ["ann@example.com", "bob@example.com"]
FEEDBACK_MODELS = (
    bouncy_models.Bounce,
    bouncy_models.Complaint,
    bouncy_models.Delivery,
    bouncy_models.Event,
)


def stream(seed: int) -> list[tuple[str, dict]]:
    """A mixed stream of (SNS MessageId, SES document): soft bounces out of time order, hard
    bounces, complaints, deliveries that end runs, opens and clicks, mail sent elsewhere, the
    same SNS message redelivered and the same SES event under a second SNS MessageId."""
    rng = random.Random(seed)
    mails = [f"m{i}" for i in range(4)]
    items: list[dict] = []
    for day in (0, 3, 1, 9, 2, 20, 24, 26):  # out of order, past the window and the grace
        address = rng.choice([*OTHERS, RECIPIENTS[0]])
        items.append(bounce(rng.choice(mails), address, START + timedelta(days=day), "soft"))
    items.append(delivery("m0", OTHERS[0], START + timedelta(days=4)))
    items += [bounce("m1", RECIPIENTS[1], START, "hard"), complaint("m1", RECIPIENTS[1], START)]
    items += [complaint("m2", RECIPIENTS[2], START, "OnAccountSuppressionList")]
    items += [complaint("m3", "carol@example.com", START)]
    items += [bounce("f0", "elsewhere@example.com", START, "ses")]
    for i, mail in enumerate(mails):
        items.append(delivery(mail, RECIPIENTS[i], START + timedelta(minutes=i)))
        items += [
            event(mail, rng.choice(["Open", "Click"]), START + timedelta(hours=h))
            for h in range(rng.randint(0, 3))
        ]
    rng.shuffle(items)
    messages = [(str(uuid.UUID(int=rng.getrandbits(128))), item) for item in items]
    messages.insert(rng.randrange(len(messages)), messages[0])  # SNS redelivers
    twin = messages[rng.randrange(len(messages))][1]
    messages.insert(rng.randrange(len(messages)), (str(uuid.UUID(int=rng.getrandbits(128))), twin))
    return messages


def record_sends(emails: dict[str, int], mail_ids: list[str]) -> None:
    claim = queue.claim(BULK, 100, 60, "test-worker")
    ids = [emails[m] for m in mail_ids]
    queue.release([i for i in claim.email_ids if i not in ids], claim.token)
    queue.mark_sending(ids, claim.token)
    by_id = {
        email_id: address for address, email_id in zip(RECIPIENTS, emails.values(), strict=True)
    }
    sent = [queue.Sent(emails[m], m, [by_id[emails[m]]], []) for m in mail_ids]
    queue.record_sent(claim.token, sent)


def run(messages: list[tuple[str, dict]], emails: dict[str, int], batch: int) -> dict:
    """Apply the stream in batches of ``batch``; half the sends are recorded before, half after
    the first half of the batches. Returns everything the feedback changed, rolled back."""
    with transaction.atomic():
        record_sends(emails, ["m0", "m1"])
        for sns_id, document in messages:
            store(sns_id, document)
        rounds = 0
        while processing.process_pending(batch).notifications:
            rounds += 1
            if rounds == max(len(messages) // batch // 2, 1):
                record_sends(emails, ["m2", "m3"])
        if rounds < max(len(messages) // batch // 2, 1):
            record_sends(emails, ["m2", "m3"])
        outcome = snapshot()
        transaction.set_rollback(True)
    return outcome


def snapshot() -> dict:
    names = dict(bouncy_models.Notification.objects.values_list("pk", "sns_message_id"))
    mail_of = dict(Delivery.objects.values_list("email_id", "ses_message_id"))

    def named(source: str) -> str:
        return re.sub(r"#(\d+)", lambda m: names[int(m.group(1))], source)

    return {
        "suppressed": sorted(
            (
                u.address,
                u.reason,
                u.scope,
                named(u.source),
                u.created_at if u.reason == "soft_bounce_limit" else None,
            )
            for u in Unsubscribe.objects.all()
        ),
        "soft_bounces": sorted(
            (s.address, s.count, s.first_at, s.last_at, s.recent, named(s.source))
            for s in SoftBounce.objects.all()
        ),
        "recipients": sorted(
            (
                r.email_id,
                r.state,
                r.error,
                r.delivered_at,
                r.opened_at,
                r.clicked_at,
                r.opens,
                r.clicks,
            )
            for r in CampaignRecipient.objects.all()
        ),
        "rows": sorted(
            (
                m.__name__,
                names[row.notification_id],
                getattr(row, "address", ""),
                row.mail_id,
                mail_of.get(row.email_id),
            )
            for m in FEEDBACK_MODELS
            for row in m.objects.all()
        ),
        "rates": rates.by_stream(START - timedelta(days=1)),
        "sends_counts": rates.measure(Delivery.objects.all()),
    }


@pytest.fixture
def emails(sending, settings) -> dict[str, int]:
    """SES MessageId → Email id of four campaign emails, not recorded as sent yet."""
    settings.MAILROOM_SOFT_BOUNCE_LIMIT = 3
    settings.MAILROOM_SOFT_BOUNCE_WINDOW_DAYS = 7
    settings.MAILROOM_SOFT_BOUNCE_GRACE_DAYS = 14
    run_fanout(sending(csv_text(4)).id)
    rows = CampaignRecipient.objects.order_by("id")
    return {f"m{i}": row.email_id for i, row in enumerate(rows)}


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_batch_equals_one_by_one_on_a_mixed_stream(emails, seed):
    messages = stream(seed)
    one_by_one = run(messages, emails, batch=1)
    batched = run(messages, emails, batch=500)
    in_threes = run(messages, emails, batch=3)

    assert batched == one_by_one
    assert in_threes == one_by_one
    # The stream did what it was built to do, so the comparison means something.
    assert {s[1] for s in one_by_one["suppressed"]} >= {
        "hard_bounce",
        "complaint",
        "ses_suppressed",
    }
    unique = dict(messages)  # by SNS MessageId: the redelivery once, the twin twice
    texts = [json.dumps(d, sort_keys=True) for d in unique.values()]
    rewrapped = (
        sum(  # the twin is an SES event stored once, unless it is an open or a click
            1
            for t, d in zip(texts, unique.values(), strict=True)
            if texts.count(t) > 1 and d.get("eventType") not in ("Open", "Click")
        )
        // 2
    )
    assert len(one_by_one["rows"]) == len(unique) - rewrapped
    assert all(
        linked == (mail if mail != "f0" else None) for _, _, _, mail, linked in one_by_one["rows"]
    )
    events = sum(1 for d in unique.values() if d.get("eventType") in ("Open", "Click"))
    assert sum(r[6] + r[7] for r in one_by_one["recipients"]) == events
