"""Creating a campaign: checked templates, sender and List-Id, with its audience from a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from django.conf import settings
from django.db import transaction

from mailer.campaigns.audiences import create_audience
from mailer.campaigns.exceptions import CampaignExists, InvalidCampaign
from mailer.campaigns.fanout.headers import default_list_id
from mailer.campaigns.fanout.render import compile_templates
from mailer.campaigns.models import Audience, Campaign
from mailer.exceptions import InvalidAddress
from mailer.suppression.addresses import address_of


@dataclass(frozen=True)
class Draft:
    """What an operator writes: name, templates, and optionally sender, List-Id and start."""

    name: str
    subject: str
    text: str
    html: str = ""
    from_email: str = ""
    list_id: str = ""
    scheduled_at: datetime | None = None


def create_campaign(draft: Draft, audience: Audience) -> Campaign:
    """Check ``draft`` and store it as a draft campaign to ``audience``."""
    name, from_email = check(draft)
    return Campaign.objects.create(
        name=name, from_email=from_email, subject=draft.subject, text=draft.text,
        html=draft.html, audience=audience, scheduled_at=draft.scheduled_at,
        list_id=draft.list_id or default_list_id(name, from_email),
    )


def create_with_audience(draft: Draft, csv_stream: TextIO) -> Campaign:
    """Create the campaign and its audience (named after it) from a CSV, all or nothing."""
    name, _ = check(draft)
    with transaction.atomic():
        audience = create_audience(name, csv_stream)
        return create_campaign(draft, audience)


# The fields that become message headers, by their header name.
HEADER_FIELDS = {"from_email": "From", "list_id": "List-Id", "subject": "Subject"}


def line_break_error(field: str, value: str) -> str | None:
    """Why a header field's value is refused (a CR or LF in it), or None.

    Caught here, not at send time: there Django's BadHeaderError would fail every email of the
    campaign after it was queued.
    """
    if "\r" in value or "\n" in value:
        return f"{HEADER_FIELDS[field]} must be one line: it contains a line break."
    return None


def check(draft: Draft) -> tuple[str, str]:
    """Raise if the draft cannot become a campaign; return its name and From address."""
    name = draft.name.strip()
    if not name:
        raise InvalidCampaign("A campaign needs a name.")
    for field in HEADER_FIELDS:
        if error := line_break_error(field, getattr(draft, field)):
            raise InvalidCampaign(error)
    if Campaign.objects.filter(name=name).exists():
        raise CampaignExists(f"A campaign named {name!r} exists already.")
    compile_templates(draft.subject, draft.text, draft.html)
    return name, _sender(draft.from_email or settings.DEFAULT_FROM_EMAIL)


def _sender(from_email: str) -> str:
    try:
        address_of(from_email)
    except InvalidAddress as exc:
        raise InvalidCampaign(f"From address: {exc.messages[0]}") from None
    return from_email.strip()
