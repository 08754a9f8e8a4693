"""The sync's facts for ``mailer_status``: when it last ran, what SES lists, what is pending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from mailer.conf import get_suppression_settings
from mailer.models import SesListed, SesRemoval, Unsubscribe
from mailer.suppression.ses_sync import state
from mailer.suppression.ses_sync.pull import SOURCE


def summary() -> dict[str, Any]:
    """One JSON-ready object (``mailer_status --json`` key ``ses_suppression``)."""
    sync = state.load()
    removals = SesRemoval.objects.aggregate(
        pending=Count("pk"), failed=Count("pk", filter=Q(attempts__gt=0))
    )
    return {
        "last_pull_at": _iso(sync.last_pull_at),
        "last_full_pull_at": _iso(sync.last_full_pull_at),
        "last_push_at": _iso(sync.last_push_at),
        "push_enabled": get_suppression_settings().ses_push,
        "listed_at_ses": SesListed.objects.count(),
        "imported": Unsubscribe.objects.filter(source__startswith=SOURCE).count(),
        "pending_removals": removals["pending"],
        "failed_removals": removals["failed"],
        "last_pull": sync.last_pull,
        "last_push": sync.last_push,
        "last_error": sync.last_error or None,
    }


def lines(facts: dict[str, Any]) -> list[str]:
    """The same facts as text lines."""
    push = "on" if facts["push_enabled"] else "off"
    return [
        f"SES suppression list: {facts['listed_at_ses']} addresses listed at SES, "
        f"{facts['imported']} imported into Mailroom's list",
        f"  last pull {facts['last_pull_at'] or 'never'}, last full pull "
        f"{facts['last_full_pull_at'] or 'never'}, push {push} "
        f"(last {facts['last_push_at'] or 'never'})",
        f"  removals at SES pending: {facts['pending_removals']} "
        f"({facts['failed_removals']} failed, retried)",
        *([f"  last error: {facts['last_error']}"] if facts["last_error"] else []),
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
