"""Campaign fixtures: audiences from CSV text, campaigns, and fan-out run to completion."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from mailer.campaigns import audiences, control
from mailer.campaigns.authoring import Draft, create_campaign
from mailer.campaigns.fanout.steps import Step, step
from mailer.campaigns.models import Campaign


def csv_text(count: int, start: int = 0, domain: str = "example.com") -> str:
    """An audience CSV: email, first_name and n columns."""
    lines = ["email,first_name,n"]
    lines += [f"user{i}@{domain},User {i},{i}" for i in range(start, start + count)]
    return "\n".join(lines) + "\n"


def run_fanout(campaign_id: int, limit: int = 10_000) -> list[Step]:
    """Run fan-out steps in this process until one returns something other than MORE."""
    steps = []
    while len(steps) < limit:
        steps.append(step(campaign_id))
        if steps[-1] is not Step.MORE:
            return steps
    raise AssertionError("fan-out did not finish")


@pytest.fixture
def make_campaign(db) -> Callable[..., Campaign]:
    """Create a draft campaign with an audience from CSV text (default: 5 recipients)."""

    def make(csv: str | None = None, *, name: str = "news", **templates: str) -> Campaign:
        audience = audiences.create_audience(f"{name} audience", io.StringIO(csv or csv_text(5)))
        draft = Draft(
            name=name,
            subject=templates.get("subject", "Hi {{ first_name }}"),
            text=templates.get("text", "Hello {{ first_name }}, number {{ n }}."),
            html=templates.get("html", ""),
            from_email="News <news@example.com>",
        )
        return create_campaign(draft, audience)

    return make


@pytest.fixture
def sending(make_campaign) -> Callable[..., Campaign]:
    """A campaign marked sending (its fan-out task, if any, is not run: tests step it)."""

    def make(csv: str | None = None, **kwargs: str) -> Campaign:
        campaign = make_campaign(csv, **kwargs)
        return control.send(campaign.id)

    return make


def settle_email(email_id: int, state: str, **delivery: object) -> None:
    """Record an outcome the way a worker does: Email.status and the Delivery row."""
    from post_office.models import STATUS, Email

    from mailer.models import Delivery

    status = STATUS.sent if state == "sent" else STATUS.failed
    Email.objects.filter(pk=email_id).update(status=status)
    Delivery.objects.update_or_create(email_id=email_id, defaults={"state": state, **delivery})


def report(row) -> None:
    """Store one bouncy feedback row under a Notification of its own and hand it to the
    receivers, as a feedback batch of one does (``bouncy.processing``)."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from bouncy.models import Notification
    from bouncy.signals import feedback_batch

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
