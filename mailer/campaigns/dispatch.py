"""Enqueue campaign tasks on the bulk lane's Celery queue once the current transaction commits."""

from __future__ import annotations

from celery import current_app
from django.db import transaction

from mailer.lanes import BULK, queue_name

FAN_OUT_TASK = "campaigns.fan_out"


def fan_out(campaign_id: int) -> None:
    """Run fan-out steps for the campaign (after commit, so the worker sees the new status)."""
    transaction.on_commit(lambda: _send(campaign_id))


def _send(campaign_id: int) -> None:
    current_app.send_task(FAN_OUT_TASK, args=[campaign_id], queue=queue_name(BULK))
