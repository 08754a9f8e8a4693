"""SES feedback for tests: documents built from the AWS examples, stored as bouncy's webhook
stores them, and applied as the ``mailer.apply_feedback`` task applies them."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from bouncy import pipeline, processing, recording
from bouncy.envelope import SnsMessage
from bouncy.models import Notification
from bouncy.signals import feedback_batch
from tests.support.files import ses_json


def doc(name: str, mail_id: str) -> dict:
    """The AWS example ``name`` about the SES message ``mail_id``."""
    loaded = ses_json(name)
    loaded["mail"]["messageId"] = mail_id
    return loaded


def stamp(at: datetime) -> str:
    """``at`` as SES writes a timestamp."""
    return at.isoformat().replace("+00:00", "Z")


def bounce(mail_id: str, address: str, at: datetime, kind: str) -> dict:
    """A bounce of ``address``: ``kind`` is "hard", "soft" or "ses" (on the account's list)."""
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
    """An event-publishing document (Open, Click, …)."""
    d = doc(f"awsdoc_event_{name.lower()}.json", mail_id)
    d[name.lower()]["timestamp"] = stamp(at)
    return d


def store(sns_id: str, document: dict) -> recording.Recorded:
    """Store ``document`` under the SNS MessageId ``sns_id`` as the webhook does once it has
    checked the signature (not applied yet)."""
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
    return recording.record(message, content, error)


def apply_stored(timeout: float = 30) -> None:
    """Make the rows of the stored notifications now, as the mailer.apply_feedback task does
    (a worker, if one runs, may hold a batch: wait for it)."""
    end = time.monotonic() + timeout
    while processing.pending().exists():
        processing.process_pending(100)
        assert time.monotonic() < end, "stored notifications were not applied in time"
        time.sleep(0.05)


def report(row: Any) -> None:
    """Store one bouncy feedback row under a Notification of its own and hand it to the
    receivers, as a feedback batch of one does (``bouncy.processing``)."""
    with transaction.atomic():
        row.notification = Notification.objects.create(
            sns_message_id=str(uuid.uuid4()),
            type="Notification",
            topic_arn="t",
            timestamp=timezone.now(),
            mail_id=row.mail_id,
            signature_version="1",
            signing_cert_url="u",
            body="{}",
            processed_at=timezone.now(),
        )
        row.save()
        feedback_batch.send(sender=Notification, rows=[row])
