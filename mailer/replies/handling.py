"""Service: one received message → a Reply row, linked, answered once (or not, with why), forwarded.

Linked: the sent Email whose Message-ID the reply's In-Reply-To (else References, newest first)
names, and that Email's campaign.

Runs inside bouncy's storage transaction (its ``received`` signal, whose receiver is here and is
connected in ``apps.ready``) or later from a batch: a message already handled is left alone, so
handing it over twice does nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from post_office.models import Email

from bouncy.models import ReceivedMessage
from bouncy.signals import received
from mailer.campaigns.models import CampaignRecipient
from mailer.replies import answering, forwarding, rules
from mailer.replies.conf import RepliesSettings, get_settings
from mailer.replies.models import Reply
from mailer.suppression import filtering
from mailer.suppression.addresses import address_or_none, lookup_key

logger = logging.getLogger(__name__)
Outcome = Reply.Outcome
_MSGID = re.compile(r"<[^<>\s]+>")
MAX_IDS = 20  # References can be long; the newest ids are the likeliest to be ours


@receiver(received, dispatch_uid="mailer.replies.received")
def on_received(sender: type, instance: ReceivedMessage, **kwargs: Any) -> None:
    """Idempotent: a message handed over again (a batch re-run) changes nothing."""
    handle(instance)


def handle(message: ReceivedMessage) -> Reply:
    """Handle ``message`` once; returns its Reply (the stored one if already handled)."""
    conf = get_settings()
    with transaction.atomic():
        reply, created = Reply.objects.get_or_create(
            received=message, defaults=_first_look(message, conf)
        )
        if created:
            _answer(reply, message, conf)
            _forward(reply, message, conf)
            reply.save()
    return reply


def _first_look(message: ReceivedMessage, conf: RepliesSettings) -> dict[str, Any]:
    email = sent_email(message.in_reply_to, message.references)
    return {
        "received_at": message.timestamp,
        "address": next((r.lower() for r in message.recipients if r.lower() in conf.addresses), ""),
        "sender": address_or_none(_return_path(message)) or "",
        "email": email,
        "campaign_id": campaign_id(email),
        "outcome": Outcome.NOT_A_REPLY_ADDRESS,
    }


def message_ids(in_reply_to: str, references: list[str]) -> list[str]:
    """Candidate Message-IDs, best first: In-Reply-To, then References from the newest."""
    found = _MSGID.findall(in_reply_to) + _MSGID.findall(" ".join(reversed(references)))
    return list(dict.fromkeys(found))[:MAX_IDS]


def sent_email(in_reply_to: str, references: list[str]) -> Email | None:
    """The Email whose Message-ID the reply names (one indexed query)."""
    wanted = message_ids(in_reply_to, references)
    if not wanted:
        return None
    found = {e.message_id: e for e in Email.objects.filter(message_id__in=wanted)}
    return next((found[i] for i in wanted if i in found), None)


def campaign_id(email: Email | None) -> int | None:
    """The campaign that sent ``email``, if any."""
    if email is None:
        return None
    rows = CampaignRecipient.objects.filter(email_id=email.pk).values_list("campaign_id", flat=True)
    return next(iter(rows[:1]), None)


def _answer(reply: Reply, message: ReceivedMessage, conf: RepliesSettings) -> None:
    outcome, detail = _decide(reply, message, conf)
    if outcome is None:
        headers = answering.rfc3834_headers(message.message_id, message.references)
        try:
            reply.answer = answering.queue_answer(
                _return_path(message), reply.address, message.subject, headers, conf
            )
        except answering.NotQueued as exc:
            outcome, detail = Outcome.NOT_QUEUED, str(exc)
        else:
            outcome, reply.answered_at = Outcome.ANSWERED, timezone.now()
    reply.outcome, reply.detail = outcome, detail
    logger.info("replies: %s from %s: %s %s", message.mail_id, reply.sender, outcome, detail)


Decision = tuple[str | None, str]


def _decide(reply: Reply, message: ReceivedMessage, conf: RepliesSettings) -> Decision:
    """(None, "") to answer, else the outcome and the reason in words (cheapest checks first)."""
    if not reply.address:
        return Outcome.NOT_A_REPLY_ADDRESS, "none of its recipients is in MAILROOM_REPLY_ADDRESSES"
    found = rules.objection(message, conf.addresses)
    if found:
        name, reason = found
        return {"verdict": Outcome.VERDICT, "automatic": Outcome.AUTOMATIC}.get(
            name, Outcome.SENDER
        ), reason
    if not reply.sender:
        return Outcome.SENDER, f"the envelope sender {message.return_path!r} is not an address"
    if _suppressed(reply.sender):
        return Outcome.SUPPRESSED, f"{reply.sender} is on the suppression list"
    if not answering.claim_window(reply.sender, reply.address, timezone.now(), conf):
        hours = conf.window.total_seconds() / 3600
        return Outcome.RECENTLY_ANSWERED, f"{reply.sender} was answered in the last {hours:g} h"
    return None, ""


def _return_path(message: ReceivedMessage) -> str:
    """The envelope sender as given (RFC 3834 §4); ``sender`` is its normalised form."""
    return message.return_path.strip().strip("<>")


def _suppressed(address: str) -> bool:
    rule = filtering.lookup([lookup_key(address)], timezone.now()).get(lookup_key(address))
    return rule is not None and rule.blocks(bulk=False)


def _forward(reply: Reply, message: ReceivedMessage, conf: RepliesSettings) -> None:
    if not conf.forward_to:
        return
    reason = forwarding.loop_reason(message, conf.forward_to)
    if reason:
        logger.info("replies: %s not forwarded: %s", message.mail_id, reason)
        return
    sender = reply.address or settings.DEFAULT_FROM_EMAIL
    try:
        reply.forward = forwarding.forward(message, conf.forward_to, sender)
    except answering.NotQueued as exc:
        logger.warning("replies: %s not forwarded: %s", message.mail_id, exc)
