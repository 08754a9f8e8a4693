"""Turn pending recipients into unsaved Email rows: suppression, rendering and headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid

from post_office.models import PRIORITY, STATUS, Email
from post_office.settings import get_message_id_enabled, get_message_id_fqdn

from mailer import suppression
from mailer.campaigns.exceptions import InvalidTemplate
from mailer.campaigns.headers import message_headers, unsubscribe_link
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.campaigns.rendering import Templates, compile_templates, render
from mailer.suppression import Rule

State = CampaignRecipient.State


@dataclass(frozen=True, slots=True)
class Pending:
    """A recipient to compose for: its row id, normalised address and template context."""

    id: int
    address: str
    context: dict


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one recipient: queued with an (unsaved) email, suppressed or failed."""

    recipient_id: int
    state: str
    email: Email | None = None
    error: str = ""


def compose(campaign: Campaign, recipients: Sequence[Pending], now: datetime) -> list[Outcome]:
    """One Outcome per recipient, in order."""
    try:
        templates = compile_templates(campaign.subject, campaign.text, campaign.html)
    except InvalidTemplate as exc:
        return [Outcome(r.id, State.FAILED, error=exc.messages[0]) for r in recipients]
    rules = suppression.lookup([r.address for r in recipients], now)
    return [_compose_one(campaign, templates, r, rules) for r in recipients]


def _compose_one(
    campaign: Campaign, templates: Templates, recipient: Pending, rules: dict[str, Rule]
) -> Outcome:
    rule = rules.get(recipient.address)
    if rule is not None and rule.blocks(bulk=True):
        return Outcome(recipient.id, State.SUPPRESSED, error=f"Suppressed: {rule.reason}")
    headers = message_headers(recipient.address, campaign.list_id, campaign.name)
    context = {**recipient.context, "email": recipient.address}
    if templates.uses_unsubscribe_url:
        context["unsubscribe_url"] = unsubscribe_link(headers)
    try:
        rendered = render(templates, context)
    except Exception as exc:  # any template tag or filter may raise: fail this one recipient
        error = f"Template error: {type(exc).__name__}: {exc}"
        return Outcome(recipient.id, State.FAILED, error=error)
    email = Email(
        from_email=campaign.from_email, to=[recipient.address], subject=rendered.subject,
        message=rendered.text, html_message=rendered.html, headers=headers,
        priority=PRIORITY.low, status=STATUS.queued, message_id=_message_id(),
    )
    return Outcome(recipient.id, State.QUEUED, email)


def _message_id() -> str | None:
    return make_msgid(domain=get_message_id_fqdn()) if get_message_id_enabled() else None
