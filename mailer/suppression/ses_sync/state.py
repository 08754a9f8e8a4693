"""The sync's one state row: cursor, last runs, last error."""

from __future__ import annotations

from django.utils import timezone

from mailer.models import SesSyncState

ROW = 1


def load() -> SesSyncState:
    """The state row, or an unsaved empty one before the first sync (reading writes nothing)."""
    return SesSyncState.objects.filter(pk=ROW).first() or SesSyncState(pk=ROW)


def update(**fields: object) -> None:
    """Write some fields of the state row (creating it on the first write)."""
    SesSyncState.objects.update_or_create(pk=ROW, defaults=fields)


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
