"""Celery tasks: thin wrappers that take a lane or nothing and call one service."""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import asdict
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init, worker_ready

from bouncy import processing
from mailer import aws, queue
from mailer.conf import get_settings
from mailer.exceptions import MailerError
from mailer.lanes import BULK, LANES, Lane, lane_filter
from mailer.pacing import quota
from mailer.queue import feedback_links
from mailer.reputation import guard
from mailer.sending import batch, wakeup
from mailer.suppression.ses_sync import removal, run

logger = logging.getLogger(__name__)

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
# A paused drain asks for a drain this long after the pause ends (Redis expires it by then).
PAUSE_END_SLACK_SECONDS = 0.2


@worker_process_init.connect
def _after_fork(**kwargs: Any) -> None:
    """A forked worker process must not share its parent's SES connection pool."""
    global WORKER_NAME
    WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
    aws.reset_client()
    aws.warm_up()


@shared_task(name="mailer.drain", acks_late=True, ignore_result=True)
def drain(lane: Lane) -> dict[str, Any]:
    """Send one batch of ``lane``; a full batch enqueues the next drain first."""
    wakeup.started(lane)
    if paused := quota.current_pause():
        wakeup.enqueue_drain_later(lane, paused.seconds_left + PAUSE_END_SLACK_SECONDS)
        return {"paused": True}
    if lane == BULK and not guard.bulk_allowed():
        return {"held": True}  # the reputation guard holds bulk mail; transactional goes on
    result = batch.drain_once(lane, WORKER_NAME, on_full_batch=lambda: wakeup.enqueue_drain(lane))
    return asdict(result)


FEEDBACK_TASK_SECONDS = 5.0
# A batch that was not full is followed by the next no sooner than this after it began, so that
# at a steady arrival rate each batch shares its fixed cost (about twenty statements) among the
# notifications of this long, not the few that came while the last one ran. It adds this much
# at most to the time from POST to suppression (goal: p99 < 5 s).
FEEDBACK_BATCH_SECONDS = 0.25


@shared_task(name="mailer.apply_feedback", acks_late=True, ignore_result=True)
def apply_feedback() -> dict[str, Any]:
    """Apply stored SES feedback, batch after batch until none waits (or for 5 s, then hand
    over to a successor): a task costs a database connection (Celery closes it after each
    task) and its own overhead, so a stream of notifications is not one task per batch.

    The task holds the feedback wake-up key while it runs: the web processes enqueue no other
    task meanwhile, and it stops only once ``wakeup.feedback_idle`` says no notification waits.
    """
    wakeup.feedback_started()
    limit, deadline = get_settings().feedback_batch_size, time.monotonic() + FEEDBACK_TASK_SECONDS
    total = processing.Processed()
    while True:
        began = time.monotonic()
        done = processing.process_pending(limit)
        total += done
        if not done and not wakeup.feedback_idle(processing.pending().exists):
            break
        if time.monotonic() > deadline:
            wakeup.enqueue_feedback()  # the successor inherits the key
            break
        if done.notifications < limit:
            time.sleep(max(0.0, began + FEEDBACK_BATCH_SECONDS - time.monotonic()))
    return asdict(total)


@shared_task(name="mailer.sweep", ignore_result=True)
def sweep() -> dict[str, Any]:
    """Periodic: fail expired mail and wake a drain for any lane with due mail (lost wake-ups,
    broker outages, leases that expired after a worker died, retries whose time has come);
    apply stored feedback a lost wake-up left waiting; link feedback that came before its send
    was recorded."""
    expired = queue.expire_overdue()
    repaired = queue.repair_stranded(get_settings().stranded_after)
    lanes = [lane for lane in LANES if queue.due().filter(lane_filter(lane)).exists()]
    for lane in lanes:
        wakeup.enqueue_drain(lane)
    woken: list[str] = list(lanes)
    if processing.pending().exists():  # a lost wake-up, or a batch whose worker died
        wakeup.enqueue_feedback()
        woken.append(wakeup.FEEDBACK)
    linked = feedback_links.retry_unlinked()
    return {"expired": expired, "repaired": repaired, "woken": woken, "linked": linked}


@worker_ready.connect
def _read_quota_at_start(**kwargs: Any) -> None:
    """Fetch SES's quota as the worker starts; a failure is logged, never fatal."""
    try:
        quota.refresh()
    except MailerError:
        logger.warning("Could not store the SES quota at start; beat will retry.", exc_info=True)


@shared_task(name="mailer.refresh_quota", ignore_result=True)
def refresh_quota() -> dict[str, Any]:
    """Periodic: re-read SES's send rate and 24-hour quota into Redis; pause or resume."""
    return {"rate": quota.refresh()}


@shared_task(name="mailer.ses_suppressions_sync", ignore_result=True)
def ses_suppressions_sync() -> dict[str, Any]:
    """Periodic: keep Mailroom's suppression list in step with SES's account-level list."""
    return run.sync()


@shared_task(name="mailer.ses_suppressions_remove", ignore_result=True)
def ses_suppressions_remove() -> str:
    """Delete from SES's list what an operator just removed from Mailroom's (beat retries)."""
    return removal.run_due().summary()
