"""Daily totals for the dashboard: grouped SQL per UTC day, stored so the past is read, not redone.

Sends, suppressions, failures and throttles count by the day the email finished (its
``sent_at``, else its last update); feedback by the day SES reported it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from bouncy.models import Bounce, Complaint
from bouncy.models import Delivery as Delivered
from mailer.models import Delivery
from mailer.reputation.models import DailyTotals
from mailer.reputation.rates import NOT_NEW_COMPLAINT, recipients_of

HISTORY_DAYS = 30
FINISHED = (Delivery.State.SENT, Delivery.State.FAILED, Delivery.State.SUPPRESSED)
COLUMNS = ("sent", "delivered", "hard_bounces", "soft_bounces", "complaints", "suppressed",
           "failed", "throttled")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _finished(since: datetime) -> QuerySet[Delivery]:
    """Emails that finished since ``since``, each with its ``finished`` time."""
    rows = Delivery.objects.filter(state__in=FINISHED).filter(
        Q(sent_at__gte=since) | Q(sent_at__isnull=True, updated_at__gte=since)
    )
    return rows.annotate(finished=Coalesce("sent_at", "updated_at"))


def _sending_totals(since: datetime) -> dict[date, dict[str, Any]]:
    rows = (
        _finished(since)
        .annotate(day=TruncDate("finished"))
        .values("day")
        .annotate(
            sent=Sum(recipients_of("recipients"), filter=Q(state=Delivery.State.SENT)),
            suppressed=Sum(recipients_of("dropped")),
            failed=Count("pk", filter=Q(state=Delivery.State.FAILED)),
            throttled=Sum("throttles"),
        )
        .order_by()
    )
    return {row.pop("day"): row for row in rows}


def _feedback_totals(since: datetime) -> dict[date, dict[str, Any]]:
    totals: dict[date, dict[str, Any]] = {}
    queries = {
        "delivered": Delivered.objects.all(),
        "hard_bounces": Bounce.objects.filter(hard=True),
        "soft_bounces": Bounce.objects.filter(hard=False),
        "complaints": Complaint.objects.exclude(complaint_subtype=NOT_NEW_COMPLAINT),
    }
    for column, rows in queries.items():
        per_day = rows.filter(timestamp__gte=since).annotate(day=TruncDate("timestamp"))
        for row in per_day.values("day").annotate(n=Count("pk")).order_by():
            totals.setdefault(row["day"], {})[column] = row["n"]
    return totals


def compute(first: date, today: date) -> dict[date, DailyTotals]:
    """Unsaved totals for every day from ``first`` to ``today`` (zeros where nothing happened)."""
    since = _start_of(first)
    sending, feedback = _sending_totals(since), _feedback_totals(since)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    return {day: _totals(day, sending.get(day, {}), feedback.get(day, {})) for day in days}


def _totals(day: date, *parts: dict[str, Any]) -> DailyTotals:
    merged = {k: v or 0 for part in parts for k, v in part.items()}
    return DailyTotals(day=day, **{column: merged.get(column, 0) for column in COLUMNS})


def _missing(first: date, last: date) -> set[date]:
    stored = set(DailyTotals.objects.filter(day__range=(first, last)).values_list("day", flat=True))
    days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return days - stored


def refresh(now: datetime) -> int:
    """Store today and yesterday (feedback still arrives) and any missing day of the last 30."""
    today = timezone.localdate(now)
    first = today - timedelta(days=HISTORY_DAYS)
    stale = _missing(first, today) | {today, today - timedelta(days=1)}
    fresh = compute(min(stale), today)
    for day in sorted(stale):
        DailyTotals.objects.update_or_create(
            day=day, defaults={c: getattr(fresh[day], c) for c in COLUMNS}
        )
    return len(stale)


def history(now: datetime) -> list[DailyTotals]:
    """The last 30 days and today, oldest first: stored days as stored, the rest live."""
    today = timezone.localdate(now)
    first = today - timedelta(days=HISTORY_DAYS)
    stored = {t.day: t for t in DailyTotals.objects.filter(day__range=(first, today))}
    missing = _missing(first, today) | {today}
    live = compute(min(missing), today)
    return [stored[day] if day not in missing else live[day] for day in sorted(live | stored)]
