"""Apply bouncy's feedback to campaign recipients, matched by SES MessageId.

The receiver of ``mailer.queue.feedback_links.linked`` (connected in ``apps.ready``) hands
every linked row here once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import connection, models
from django.dispatch import receiver

from bouncy.models import Bounce, Complaint, Delivery, Event
from mailer.campaigns.models import CampaignRecipient
from mailer.queue.feedback_links import linked

State = CampaignRecipient.State
NOT_A_NEW_COMPLAINT = "OnAccountSuppressionList"


class Kind(StrEnum):
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"


@dataclass(frozen=True)
class Feedback:
    """One fact SES reported about one sent message."""

    kind: Kind
    mail_id: str
    at: datetime
    detail: str = ""


def from_row(row: models.Model) -> Feedback | None:
    """The campaign-relevant fact in a bouncy row, or None (soft bounce, other event types)."""
    if isinstance(row, Bounce):
        detail = f"Bounced ({row.bounce_type}/{row.bounce_subtype}): {row.diagnostic_code}"
        return Feedback(Kind.BOUNCED, row.mail_id, row.timestamp, detail) if row.hard else None
    if isinstance(row, Complaint):
        new = row.complaint_subtype != NOT_A_NEW_COMPLAINT
        return Feedback(Kind.COMPLAINED, row.mail_id, row.timestamp, "Complained") if new else None
    if isinstance(row, Delivery):
        return Feedback(Kind.DELIVERED, row.mail_id, row.timestamp)
    if isinstance(row, Event) and row.event_type in ("Open", "Click"):
        kind = Kind.OPENED if row.event_type == "Open" else Kind.CLICKED
        return Feedback(kind, row.mail_id, row.timestamp)
    return None


def apply_many(facts: Sequence[tuple[Feedback, int]]) -> None:
    """Record (feedback, Email id) pairs, in arrival order, on the Emails' campaign recipients.

    The Email is the one SES accepted as ``feedback.mail_id``
    (``mailer.queue.feedback_links``): keyed on it, each update is one lookup in a unique index.
    One statement per kind for the whole batch, folded per email with the result of applying
    the facts one at a time: the first bounce's detail, the earliest delivery, open and click
    times, opens and clicks summed, and a complaint wins over a bounce in either order.
    """
    by_kind: dict[Kind, dict[int, list[Feedback]]] = {}
    for fact, email_id in facts:
        by_kind.setdefault(fact.kind, {}).setdefault(email_id, []).append(fact)
    for kind, per_email in by_kind.items():
        _APPLY[kind](per_email)


@receiver(linked, dispatch_uid="campaigns.feedback")
def on_linked(sender: Any, rows: Any, **kwargs: Any) -> None:
    """Runs in the transaction that linked ``rows`` to their Emails: each row comes here once."""
    facts = [(fact, row.email_id) for row in rows if (fact := from_row(row)) is not None]
    if facts:
        apply_many(facts)


def _bounced(per_email: dict[int, list[Feedback]]) -> None:
    _executemany(
        f"UPDATE {_TABLE} SET state = '{State.BOUNCED}', error = %s "
        f"WHERE email_id = %s AND state IN ({_states(State.QUEUED, State.SENT, State.CANCELLED)})",
        [(facts[0].detail, email_id) for email_id, facts in per_email.items()],
    )


def _complained(per_email: dict[int, list[Feedback]]) -> None:
    sent = [State.QUEUED, State.SENT, State.CANCELLED, State.BOUNCED]
    CampaignRecipient.objects.filter(email_id__in=list(per_email), state__in=sent).update(
        state=State.COMPLAINED, error="Complained"
    )


def _delivered(per_email: dict[int, list[Feedback]]) -> None:
    _executemany(
        f"UPDATE {_TABLE} SET delivered_at = {_earliest('delivered_at')} WHERE email_id = %s",
        [_first(facts) * 2 + (email_id,) for email_id, facts in per_email.items()],
    )


def _counter(count: str, first: str) -> Callable[[dict[int, list[Feedback]]], None]:
    def apply_events(per_email: dict[int, list[Feedback]]) -> None:
        _executemany(
            f"UPDATE {_TABLE} SET {count} = {count} + %s, {first} = {_earliest(first)} "
            "WHERE email_id = %s",
            [(len(facts), *_first(facts) * 2, email_id) for email_id, facts in per_email.items()],
        )

    return apply_events


def _earliest(column: str) -> str:
    """SQL keeping the earlier of ``column`` and a parameter (given twice): order-independent."""
    return f"CASE WHEN {column} IS NULL OR {column} > %s THEN %s ELSE {column} END"


def _first(facts: list[Feedback]) -> tuple[object]:
    return (_at(min(fact.at for fact in facts)),)


_TABLE = CampaignRecipient._meta.db_table


def _states(*states: str) -> str:
    return ", ".join(f"'{state}'" for state in states)


def _at(value: datetime) -> object:
    return CampaignRecipient._meta.get_field("delivered_at").get_db_prep_save(value, connection)


def _executemany(sql: str, params: list[tuple[Any, ...]]) -> None:
    """One parameterised UPDATE per email, pipelined by psycopg (no CASE per row)."""
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


_APPLY = {
    Kind.BOUNCED: _bounced,
    Kind.COMPLAINED: _complained,
    Kind.DELIVERED: _delivered,
    Kind.OPENED: _counter("opens", "opened_at"),
    Kind.CLICKED: _counter("clicks", "clicked_at"),
}
