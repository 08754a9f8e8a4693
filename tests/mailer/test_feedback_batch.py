"""A feedback batch applies a stream exactly as applying its notifications one by one would."""

from __future__ import annotations

import copy
import json
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import transaction

from bouncy import models as bouncy_models
from bouncy import pipeline, processing, recording
from bouncy.envelope import SnsMessage
from mailer import queue
from mailer.campaigns.models import CampaignRecipient
from mailer.lanes import BULK
from mailer.models import Delivery, SoftBounce, Unsubscribe
from mailer.reputation import rates
from tests.mailer.campaigns.conftest import (  # noqa: F401  (fixtures)
    csv_text,
    make_campaign,
    run_fanout,
    sending,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
START = datetime(2026, 3, 1, tzinfo=UTC)
RECIPIENTS = [f"user{i}@example.com" for i in range(4)]
OTHERS = ["ann@example.com", "bob@example.com"]
FEEDBACK_MODELS = (
    bouncy_models.Bounce,
    bouncy_models.Complaint,
    bouncy_models.Delivery,
    bouncy_models.Event,
)


def doc(name: str, mail_id: str) -> dict:
    loaded = json.loads((FIXTURES / name).read_text())
    loaded["mail"]["messageId"] = mail_id
    return copy.deepcopy(loaded)


def stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def bounce(mail_id: str, address: str, at: datetime, kind: str) -> dict:
    d = doc("awsdoc_notification_bounce_permanent_general_with_dsn.json", mail_id)
    bounce_type, subtype, status = {
        "hard": ("Permanent", "General", "5.1.1"),
        "soft": ("Transient", "MailboxFull", "4.2.2"),
        "ses": ("Permanent", "OnAccountSuppressionList", ""),
    }[kind]
    d["bounce"].update(bounceType=bounce_type, bounceSubType=subtype, timestamp=stamp(at))
    d["bounce"]["feedbackId"] = f"{mail_id}-{address}-{stamp(at)}"  # one SES event each
    d["bounce"]["bouncedRecipients"] = [{"emailAddress": address, "status": status}]
    return d


def complaint(mail_id: str, address: str, at: datetime, subtype: str = "") -> dict:
    d = doc("awsdoc_notification_complaint_no_feedback.json", mail_id)
    d["complaint"].update(timestamp=stamp(at), complainedRecipients=[{"emailAddress": address}])
    d["complaint"]["feedbackId"] = f"{mail_id}-{address}-{stamp(at)}"
    if subtype:
        d["complaint"]["complaintSubType"] = subtype
    return d


def delivery(mail_id: str, address: str, at: datetime) -> dict:
    d = doc("awsdoc_notification_delivery.json", mail_id)
    d["delivery"].update(timestamp=stamp(at), recipients=[address])
    return d


def event(mail_id: str, name: str, at: datetime) -> dict:
    d = doc(f"awsdoc_event_{name.lower()}.json", mail_id)
    d[name.lower()]["timestamp"] = stamp(at)
    return d


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


def store(sns_id: str, document: dict) -> None:
    now = datetime.now(UTC)
    fields = {
        "Type": "Notification",
        "MessageId": sns_id,
        "TopicArn": "t",
        "Message": json.dumps(document),
        "Timestamp": now.isoformat(),
        "SignatureVersion": "1",
        "Signature": "-",
        "SigningCertURL": "u",
    }
    message = SnsMessage(body=json.dumps(fields), fields=fields, timestamp=now)
    content, error = pipeline.read_content(message)
    recording.record(message, content, error)


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
def emails(sending, settings) -> dict[str, int]:  # noqa: F811
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
