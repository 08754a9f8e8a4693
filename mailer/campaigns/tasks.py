"""Celery tasks: thin wrappers that take a campaign id (or nothing) and call one service."""

from __future__ import annotations

from celery import shared_task

from mailer.campaigns import control, scheduler
from mailer.campaigns.conf import get_campaign_settings
from mailer.campaigns.fanout import steps
from mailer.campaigns.fanout.steps import Step


@shared_task(name=control.FAN_OUT_TASK, acks_late=True, ignore_result=True)
def fan_out(campaign_id: int) -> str:
    """A run of fan-out steps; while work is left, the next run is enqueued after it."""
    result = steps.run(campaign_id, get_campaign_settings().steps_per_task)
    if result is Step.MORE:
        control.fan_out(campaign_id)
    return result.value


@shared_task(name="campaigns.tick", ignore_result=True)
def tick() -> dict[str, list[int]]:
    """Periodic (beat): start due campaigns, sync and finish active ones, restart stalls."""
    return scheduler.tick()
