"""Suppression at send time: drop recipients on the suppression list, one query per batch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone
from post_office.models import Email

from mailer.exceptions import InvalidAddress
from mailer.lanes import BULK, lane_of
from mailer.models import Unsubscribe
from mailer.suppression.addresses import lookup_key

Scope = Unsubscribe.Scope


@dataclass(frozen=True)
class Decision:
    """The recipients of one email that may still be sent to, and those dropped (with why).

    ``invalid`` holds why a recipient is not exactly one mailbox: such an email is not sent
    at all (its recipients cannot be checked against the list), it fails with that reason.
    """

    to: list[str]
    cc: list[str]
    bcc: list[str]
    dropped: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    @property
    def invalid_error(self) -> str:
        return "Recipient cannot be used: " + " ".join(self.invalid)


@dataclass(frozen=True)
class Rule:
    """A live suppression of one address."""

    reason: str
    scope: str

    def blocks(self, bulk: bool) -> bool:
        return self.scope == Scope.ALL or bulk


def filter_batch(emails: Sequence[Email], now: datetime | None = None) -> dict[int, Decision]:
    """Decide, for every email of a batch, which recipients survive the suppression list."""
    addresses = keys(r for e in emails for r in (*e.to, *e.cc, *e.bcc))
    rules = lookup(addresses.values(), now or timezone.now())
    return {email.id: decide(email, addresses, rules) for email in emails}


def keys(recipients: Iterable[str]) -> dict[str, str | InvalidAddress]:
    """Each recipient's lookup key (``addresses.lookup_key``), or why it has none."""
    found: dict[str, str | InvalidAddress] = {}
    for recipient in recipients:
        if recipient not in found:
            try:
                found[recipient] = lookup_key(recipient)
            except InvalidAddress as exc:
                found[recipient] = exc
    return found


def lookup(addresses: Iterable[str | InvalidAddress], now: datetime) -> dict[str, Rule]:
    """The live suppressions among normalised ``addresses``: one query (none if no address).

    Errors from ``keys`` (recipients that are not one mailbox) are skipped.
    """
    wanted = {a for a in addresses if isinstance(a, str)}
    if not wanted:
        return {}
    live = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    matches = Unsubscribe.objects.filter(live, address__any_of=wanted)
    rows = matches.values_list("address", "reason", "scope")
    return {address: Rule(reason, scope) for address, reason, scope in rows}


def filter_message(message: EmailMessage, now: datetime | None = None) -> Decision:
    """Decide for one Django message sent outside the queue (post_office's priority "now").

    Such mail is transactional: only suppressions of every kind of mail block it.
    """
    addresses = keys(message.recipients())
    rules = lookup(addresses.values(), now or timezone.now())
    return _split(message.to, message.cc, message.bcc, False, addresses, rules)


def decide(
    email: Email, addresses: Mapping[str, str | InvalidAddress], rules: Mapping[str, Rule]
) -> Decision:
    """Split one email's recipients into kept (display names intact) and dropped."""
    bulk = lane_of(email.priority) == BULK
    return _split(email.to, email.cc, email.bcc, bulk, addresses, rules)


def _split(
    to: Sequence[str], cc: Sequence[str], bcc: Sequence[str], bulk: bool,
    addresses: Mapping[str, str | InvalidAddress], rules: Mapping[str, Rule],
) -> Decision:
    dropped: dict[str, str] = {}
    invalid: list[str] = []

    def keep(recipients: Sequence[str]) -> list[str]:
        kept = []
        for recipient in recipients:
            address = addresses[recipient]
            if isinstance(address, InvalidAddress):
                invalid.append(address.messages[0])
                continue
            rule = rules.get(address)
            if rule and rule.blocks(bulk):
                dropped.setdefault(address, rule.reason)
            else:
                kept.append(recipient)
        return kept

    kept = keep(to), keep(cc), keep(bcc)
    return Decision(*kept, [{"address": a, "reason": r} for a, r in dropped.items()], invalid)
