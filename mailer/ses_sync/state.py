"""The sync's one state row: cursor, last runs, last error."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mailer.models import SesSyncState

ROW = 1


def load() -> SesSyncState:
    """The state row (created empty on first use)."""
    return SesSyncState.objects.get_or_create(pk=ROW)[0]


def update(**fields: object) -> None:
    """Write some fields of the state row."""
    with transaction.atomic():
        load()
        SesSyncState.objects.filter(pk=ROW).update(**fields)


def record_error(what: str, exc: Exception) -> str:
    """Remember the last failure (shown by mailer_status and the admin); returns its text."""
    text = f"{what}: {exc}"
    update(last_error=text, last_error_at=timezone.now())
    return text


def clear_error(what: str) -> None:
    """Forget the last error if it was one of ``what`` (a run of it has now succeeded)."""
    SesSyncState.objects.filter(pk=ROW, last_error__startswith=f"{what}:").update(
        last_error="", last_error_at=None
    )
