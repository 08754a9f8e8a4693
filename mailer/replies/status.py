"""Reply counts for ``mailer_status``: received and answered since midnight (TIME_ZONE)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from mailer.replies.models import Reply


def today(now: datetime | None = None) -> dict[str, int]:
    """``received_today`` and ``answered_today``."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Reply.objects.aggregate(
        received_today=Count("id", filter=Q(received_at__gte=midnight)),
        answered_today=Count("id", filter=Q(answered_at__gte=midnight)),
    )


def lines(counts: dict[str, int]) -> list[str]:
    """The text lines of ``mailer_status``."""
    return [
        f"replies received today  {counts['received_today']}",
        f"replies answered today  {counts['answered_today']}",
    ]
