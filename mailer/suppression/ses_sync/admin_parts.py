"""What the suppression admin shows and does about SES's list: per address whether SES has it,
the removals at SES still pending (with their errors), and a POST to retry them now."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from mailer.models import SesListed, SesRemoval, Unsubscribe
from mailer.suppression.ses_sync import state

logger = logging.getLogger(__name__)
NOT_KNOWN = "not known (never synced)"
REMOVE_TASK = "mailer.ses_suppressions_remove"  # sent by name: nothing imports mailer.tasks


def with_ses_reason(queryset: QuerySet[Unsubscribe]) -> QuerySet[Unsubscribe]:
    """Annotate each suppression with SES's reason if SES's list had it at the last sync, and
    whether SES's list was ever read."""
    listed = SesListed.objects.filter(address=OuterRef("address")).values("reason")[:1]
    ever = state.load().last_pull_at is not None
    return queryset.annotate(ses_reason=Subquery(listed), ses_synced=Value(ever))


def at_ses(row: Unsubscribe) -> str:
    """The "on SES's list" cell: SES's reason, "no", or that Mailroom never looked."""
    reason = getattr(row, "ses_reason", None)
    if reason:
        return f"yes ({reason})"
    return "no" if getattr(row, "ses_synced", False) else NOT_KNOWN


def changelist_context() -> dict[str, Any]:
    """The sync's state and the pending removals, for the list page."""
    sync = state.load()
    return {
        "ses_sync": sync,
        "ses_removals": list(SesRemoval.objects.order_by("-attempts", "requested_at")[:50]),
        "ses_removals_count": SesRemoval.objects.count(),
    }


def enqueue_removals() -> None:
    """Ask a worker to delete at SES what was just removed (beat retries if this fails)."""

    def send() -> None:
        try:
            current_app.send_task(REMOVE_TASK)
        except Exception:  # the broker is down: beat's sync runs the removals later
            logger.warning("Could not queue the removal at SES; beat will run it.", exc_info=True)

    transaction.on_commit(send)


def retry_view(request: HttpRequest, allowed: bool) -> HttpResponse:
    """POST only, with the remove permission: run the pending removals at SES again, now."""
    if not allowed:
        raise PermissionDenied
    count = SesRemoval.objects.update(next_attempt_at=timezone.now())
    enqueue_removals()
    messages.info(request, f"Retrying {count} removals at SES; reload to see the outcome.")
    return HttpResponseRedirect(reverse("admin:mailer_unsubscribe_changelist"))
