"""Turn pending recipients into messages to queue: suppression, rendering and headers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any, NamedTuple

from post_office.settings import get_message_id_enabled, get_message_id_fqdn

from mailer.campaigns.exceptions import InvalidTemplate
from mailer.campaigns.fanout.headers import HeaderMaker, header_maker, unsubscribe_link
from mailer.campaigns.fanout.render import Templates, compile_templates, render
from mailer.campaigns.models import Campaign, CampaignRecipient
from mailer.suppression import filtering
from mailer.suppression.filtering import Rule

State = CampaignRecipient.State


class Pending(NamedTuple):
    """A recipient to compose for: its row id, normalised address and template context.

    A NamedTuple, not a frozen dataclass: built once per recipient, and tuple construction
    is several times cheaper.
    """

    id: int
    address: str
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered campaign message, not saved yet (fanout writes it as a post_office Email)."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    message_id: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one recipient: queued with a message, suppressed or failed."""

    recipient_id: int
    state: State
    message: Message | None = None
    error: str = ""


class MessageIds:
    """Message-IDs for one chunk: make_msgid's form, its random part drawn once per chunk.

    make_msgid reads the clock, the pid and 64 random bits on every call (a tenth of the
    fan-out's Python time); a chunk takes one such id and numbers its messages after it,
    which keeps every id unique.
    """

    def __init__(self, domain: str) -> None:
        local, _, rest = make_msgid(domain=domain).partition("@")
        self._head, self._tail = f"{local}.", f"@{rest}"
        self._numbers = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._head}{next(self._numbers)}{self._tail}"


@dataclass(frozen=True, slots=True)
class Composer:
    """What every recipient of one chunk shares: templates, suppressions, headers, ids.

    ``compose_one`` is per recipient, so callers may stream rows to the database as they go.
    """

    templates: Templates | None
    template_error: str
    rules: dict[str, Rule]
    headers: HeaderMaker | None
    message_ids: MessageIds | None

    def compose_one(self, recipient: Pending) -> Outcome:
        """The recipient's Outcome (a template error fails only that recipient)."""
        if self.templates is None or self.headers is None:
            return Outcome(recipient.id, State.FAILED, error=self.template_error)
        rule = self.rules.get(recipient.address)
        if rule is not None and rule.blocks(bulk=True):
            return Outcome(recipient.id, State.SUPPRESSED, error=f"Suppressed: {rule.reason}")
        return _render_one(self, self.templates, self.headers, recipient)


def composer(campaign: Campaign, addresses: Sequence[str], now: datetime) -> Composer:
    """Compile the templates and look up suppressions once for a chunk's (normalised) addresses."""
    try:
        templates, error = compile_templates(campaign.subject, campaign.text, campaign.html), ""
    except InvalidTemplate as exc:
        templates, error = None, exc.messages[0]
    sample = addresses[0] if addresses and templates else None
    return Composer(
        templates=templates,
        template_error=error,
        rules=filtering.lookup(addresses, now) if templates else {},
        headers=header_maker(campaign.list_id, campaign.name, sample) if sample else None,
        message_ids=MessageIds(str(get_message_id_fqdn())) if get_message_id_enabled() else None,
    )


def compose(campaign: Campaign, recipients: Sequence[Pending], now: datetime) -> list[Outcome]:
    """One Outcome per recipient, in order (templates compiled once per chunk, not per row)."""
    if not recipients:
        return []
    chunk = composer(campaign, [r.address for r in recipients], now)
    return [chunk.compose_one(r) for r in recipients]


def _render_one(
    chunk: Composer, templates: Templates, make_headers: HeaderMaker, recipient: Pending
) -> Outcome:
    headers = make_headers(recipient.address)
    context = {**recipient.context, "email": recipient.address}
    if templates.uses_unsubscribe_url:
        context["unsubscribe_url"] = unsubscribe_link(headers)
    try:
        rendered = render(templates, context)
    except Exception as exc:  # any template tag or filter may raise: fail this one recipient
        error = f"Template error: {type(exc).__name__}: {exc}"
        return Outcome(recipient.id, State.FAILED, error=error)
    msgid = chunk.message_ids() if chunk.message_ids else None
    message = Message(
        recipient.address, rendered.subject, rendered.text, rendered.html, headers, msgid
    )
    return Outcome(recipient.id, State.QUEUED, message)
