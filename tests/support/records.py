"""Test records: sent emails with their SES MessageIds, bouncy feedback, and campaigns."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone
from post_office.models import PRIORITY, STATUS, Email

from bouncy.models import Bounce, Complaint, Notification
from bouncy.models import Delivery as Delivered
from mailer.campaigns import control
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.models import Delivery
from tests.support.campaigns import new_campaign


def send(
    count: int = 1, *, bulk: bool = False, at: datetime | None = None, recipients: int = 1,
    campaign: Campaign | None = None, dropped: int = 0, throttles: int = 0,
) -> list[Delivery]:
    """``count`` emails SES accepted at ``at`` (now), each to ``recipients`` addresses."""
    tags = [uuid.uuid4().hex[:12] for _ in range(count)]
    emails = Email.objects.bulk_create(
        _email(tag, recipients, bulk or campaign is not None) for tag in tags
    )
    if campaign is not None:
        _enrol(campaign, emails)
    return Delivery.objects.bulk_create(
        Delivery(email=email, state=Delivery.State.SENT, sent_at=at or timezone.now(),
                 ses_message_id=f"ses-{email.subject}", recipients=email.to,
                 dropped=[{"address": f"x{n}@example.com", "reason": "hard_bounce"}
                          for n in range(dropped)], throttles=throttles)
        for email in emails
    )


def _email(tag: str, recipients: int, bulk: bool) -> Email:
    return Email(
        from_email="f@example.com", to=[f"r{n}-{tag}@example.com" for n in range(recipients)],
        subject=tag, status=STATUS.sent, priority=PRIORITY.low if bulk else PRIORITY.medium,
    )


def _enrol(campaign: Campaign, emails: list[Email]) -> None:
    free = campaign.audience.members.exclude(id__in=campaign.recipients.values("member_id"))
    members = list(free.order_by("id")[: len(emails)])
    assert len(members) == len(emails), "the campaign's audience is too small"
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(campaign=campaign, member=m, email=e, state=CampaignRecipient.State.SENT)
        for m, e in zip(members, emails, strict=True)
    )


def _notification(at: datetime) -> Notification:
    return Notification.objects.create(
        sns_message_id=str(uuid.uuid4()), type="Notification", topic_arn="arn:aws:sns:x",
        timestamp=at, signature_version="1", signing_cert_url="https://sns.example/cert.pem",
        body="{}",
    )


def _common(delivery: Delivery, at: datetime | None) -> dict:
    at = at or timezone.now()
    return {"notification": _notification(at), "mail_id": delivery.ses_message_id,
            "timestamp": at, "email_id": delivery.email_id}


def bounce(
    delivery: Delivery, *, hard: bool = True, at: datetime | None = None, index: int = 0
) -> Bounce:
    """A bounce of the ``index``-th recipient of ``delivery``."""
    return Bounce.objects.create(
        **_common(delivery, at), address=delivery.recipients[index],
        bounce_type="Permanent" if hard else "Transient", hard=hard,
    )


def complain(
    delivery: Delivery, *, subtype: str = "", at: datetime | None = None, index: int = 0
) -> Complaint:
    return Complaint.objects.create(
        **_common(delivery, at), address=delivery.recipients[index], complaint_subtype=subtype
    )


def deliver(delivery: Delivery, *, at: datetime | None = None, index: int = 0) -> Delivered:
    return Delivered.objects.create(**_common(delivery, at), address=delivery.recipients[index])


def outcomes(
    deliveries: list[Delivery], *, hard: int = 0, soft: int = 0, complaints: int = 0,
    at: datetime | None = None,
) -> None:
    """Feedback for every one of ``deliveries``: the first ``hard`` bounce hard, the next
    ``soft`` bounce soft, the rest are delivered, and the first ``complaints`` of those complain."""
    bounced, delivered = deliveries[: hard + soft], deliveries[hard + soft :]
    Bounce.objects.bulk_create(
        Bounce(**_common(d, at), address=d.recipients[0], hard=n < hard,
               bounce_type="Permanent" if n < hard else "Transient")
        for n, d in enumerate(bounced)
    )
    Delivered.objects.bulk_create(
        Delivered(**_common(d, at), address=d.recipients[0]) for d in delivered
    )
    Complaint.objects.bulk_create(
        Complaint(**_common(d, at), address=d.recipients[0]) for d in delivered[:complaints]
    )


def campaign(name: str = "news", size: int = 10) -> Campaign:
    """A sending campaign with an audience of ``size`` (its fan-out is not run)."""
    lines = "\n".join(f"{name}{i}@example.com" for i in range(size))
    draft = new_campaign(f"email\n{lines}\n", name=name, subject="Hi", text="Hello")
    return control.send(draft.id)
