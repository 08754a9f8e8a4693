"""Celery tasks of the reputation guard: thin wrappers around one service each."""

from __future__ import annotations

from celery import shared_task

from mailer.reputation import refresh as refreshing


@shared_task(name="reputation.refresh", ignore_result=True)
def refresh() -> dict:
    """Periodic (beat, every minute): snapshot the rates, run the guard, update daily totals."""
    return refreshing.run()
