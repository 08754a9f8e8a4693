"""Bounce and complaint rates per stream, aggregated in SQL from Mailroom's own records.

A send is a ``mailer.Delivery`` SES accepted (``sent_at``, ``ses_message_id``); its feedback is
bouncy's per-recipient rows with the same SES MessageId (``mail_id``). The SQL expressions at
the end (recipients in a JSON list, distinct feedback per send) serve ``daily`` and
``throughput`` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from post_office.models import PRIORITY

from bouncy.models import Bounce, Complaint
from bouncy.models import Delivery as Delivered
from mailer.models import Delivery
from mailer.reputation.campaigns import CAMPAIGN_OF_DELIVERY
from mailer.reputation.conf import get_settings
from mailer.reputation.models import Stream

NOT_NEW_COMPLAINT = "OnAccountSuppressionList"  # SES: not a new complaint


@dataclass(frozen=True)
class Counts:
    """Sends and their feedback, in recipients (``sends`` in emails)."""

    sends: int = 0
    recipients: int = 0
    delivered: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def attempts(self) -> int:
        """Delivered-or-bounced recipients; every accepted one if SES reports no deliveries."""
        known = self.delivered + self.hard_bounces + self.soft_bounces
        return known if self.delivered else self.recipients

    @property
    def delivered_or_estimate(self) -> int:
        """Delivered recipients; accepted minus bounced if SES reports no deliveries."""
        bounced = self.hard_bounces + self.soft_bounces
        return self.delivered or max(self.recipients - bounced, 0)

    @property
    def bounce_rate(self) -> float | None:
        """Hard bounces / delivered-or-bounced attempts; None for an empty sample."""
        return self.hard_bounces / self.attempts if self.attempts else None

    @property
    def complaint_rate(self) -> float | None:
        """Complaints / delivered; None for an empty sample."""
        delivered = self.delivered_or_estimate
        return self.complaints / delivered if delivered else None


@dataclass(frozen=True)
class StreamCounts:
    """One stream's counts (``campaign_id`` only for a campaign)."""

    stream: Stream
    counts: Counts
    campaign_id: int | None = None


def sent(since: datetime) -> QuerySet[Delivery]:
    """Emails SES accepted at or after ``since``."""
    return Delivery.objects.filter(
        state=Delivery.State.SENT, sent_at__gte=since, ses_message_id__isnull=False
    )


def window_start(now: datetime) -> datetime:
    """The last WINDOW_SENDS sends or WINDOW_DAYS days, whichever is the shorter span."""
    conf = get_settings()
    earliest = now - conf.window
    newest = sent(earliest).order_by("-sent_at").values_list("sent_at", flat=True)
    nth = [at for at in newest[conf.window_sends - 1 : conf.window_sends] if at is not None]
    return max(earliest, nth[0]) if nth else earliest


def _totals() -> dict[str, Any]:
    """The aggregate columns of a group of sends."""
    return {
        "sends": Count("pk"),
        "recipients": Sum(recipients_of("recipients")),
        "delivered": Sum(feedback_count(Delivered)),
        "hard_bounces": Sum(feedback_count(Bounce, Q(hard=True))),
        "soft_bounces": Sum(feedback_count(Bounce, Q(hard=False))),
        "complaints": Sum(feedback_count(Complaint, ~Q(complaint_subtype=NOT_NEW_COMPLAINT))),
    }


def _counts(row: dict[str, Any]) -> Counts:
    return Counts(*(int(row.get(f.name) or 0) for f in fields(Counts)))


def measure(deliveries: QuerySet[Delivery]) -> Counts:
    """The counts of some sends, all together."""
    return _counts(deliveries.aggregate(**_totals()))


def by_stream(since: datetime) -> list[StreamCounts]:
    """Counts since ``since`` for all mail, transactional, bulk outside campaigns, each campaign."""
    bulk = ExpressionWrapper(Q(email__priority=PRIORITY.low), output_field=BooleanField())
    rows = (
        sent(since)
        .annotate(bulk=bulk, campaign=F(CAMPAIGN_OF_DELIVERY))
        .values("bulk", "campaign")
        .annotate(**_totals())
        .order_by("bulk", "campaign")
    )
    merged: dict[tuple[Stream, int | None], Counts] = {}
    for row in rows:  # a NULL priority groups apart from medium/high: both are transactional
        key = _stream_of(row)
        merged[key] = merged.get(key, Counts()) + _counts(row)
    streams = [StreamCounts(stream, counts, cid) for (stream, cid), counts in merged.items()]
    return [StreamCounts(Stream.ALL, _sum(s.counts for s in streams)), *streams]


def _stream_of(row: dict[str, Any]) -> tuple[Stream, int | None]:
    if row["campaign"] is not None:
        return Stream.CAMPAIGN, row["campaign"]
    return (Stream.BULK if row["bulk"] else Stream.TRANSACTIONAL), None


def _sum(counts: Iterable[Counts]) -> Counts:
    return sum(counts, Counts())


def of_campaign(campaign_id: int, since: datetime) -> Counts:
    """One campaign's counts since ``since``."""
    return measure(sent(since).filter(**{CAMPAIGN_OF_DELIVERY: campaign_id}))


class JSONArrayLength(Func):
    """The length of a JSON array column (0 for NULL)."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return super().as_sql(compiler, connection, function="json_array_length", **extra)


def recipients_of(field: str) -> Coalesce:
    """How many addresses a JSON list column holds."""
    return Coalesce(JSONArrayLength(field), Value(0))


def feedback_count(model: type[Model], condition: Q | None = None) -> Coalesce:
    """Distinct recipients with ``model`` rows (matching ``condition``) for the outer
    ``mailer.Delivery`` row's SES MessageId."""
    rows = model._default_manager.filter(condition or Q(), mail_id=OuterRef("ses_message_id"))
    counted = rows.order_by().values("mail_id").annotate(n=Count("address", distinct=True))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))
