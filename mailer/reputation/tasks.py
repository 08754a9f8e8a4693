"""Celery tasks of the reputation guard: thin wrappers around one service each."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from mailer.reputation import refresh as refreshing


@shared_task(name="reputation.refresh", ignore_result=True)
def refresh() -> dict[str, Any]:
    """Periodic (beat, every minute): snapshot the rates, run the guard, update daily totals."""
    return refreshing.run()
