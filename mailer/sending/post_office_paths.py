"""post_office's own sending and cleanup entry points, routed through Mailroom.

post_office ships ways to send and delete queued mail that know nothing of Mailroom:

- ``send_queued_mail`` (command), ``post_office.mail.send_queued()`` and
  ``send_queued_mail_until_done()`` (also what its Celery task runs) send through post_office's
  own loop: no lease, no reputation guard, every email judged as transactional (bulk-only
  unsubscribes ignored) and no Delivery row, so bounces could not be linked;
- ``cleanup_mail`` (command, ``post_office.utils.cleanup_expired_mails``) deletes Emails by age
  whatever their status, queued, held by a paused campaign or under a worker's lease included.

``install()`` (run by ``MailerConfig.ready``) puts the functions below in their place in
post_office's modules, so every caller, post_office's commands included, takes Mailroom's road.
Replacing module attributes is the only hook: post_office calls these by name and offers no
setting for them (docs/decisions.md §24).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from post_office.models import STATUS, Email

from mailer.lanes import LANES
from mailer.sending import batch

logger = logging.getLogger(__name__)

FINISHED = (STATUS.sent, STATUS.failed)
BATCH_SIZE = 1000


def send_queued(processes: int = 1, log_level: int | None = None) -> tuple[int, int, int]:
    """Send every due email now, in this process, the way a Mailroom worker does.

    Each batch is claimed under a lease, its recipients checked against the suppression list
    (bulk-only suppressions for bulk mail), every send waits for the shared limiter, and a lane
    that is paused (SES quota, an operator) or held (the reputation guard) is left queued for
    the workers. ``processes`` and ``log_level`` are post_office's and ignored: the send threads
    are MAILROOM_SEND_THREADS. Returns (sent, failed, deferred) as post_office's did.
    """
    worker = f"send_queued:{socket.gethostname()}:{os.getpid()}"
    sent = failed = deferred = 0
    for lane in LANES:
        while not (stopped := batch.stopped(lane)):
            result = batch.drain_once(lane, worker, on_full_batch=lambda: None)
            sent, failed = sent + result.sent, failed + result.failed
            deferred += result.deferred + result.released
            if not (result.sent or result.failed or result.suppressed or result.deferred):
                break
        if stopped:
            logger.warning("send_queued: the %s lane is %s; its mail stays queued.", lane, stopped)
    logger.info("send_queued: %s sent, %s failed, %s deferred", sent, failed, deferred)
    return sent, failed, deferred


def send_queued_mail_until_done(
    lockfile: str = "", processes: int = 1, log_level: int | None = None
) -> None:
    """post_office's loop, as Mailroom's: leases replace its lock file."""
    send_queued(processes, log_level)


def deletable(cutoff: datetime) -> QuerySet[Email]:
    """Emails older than ``cutoff`` that are finished: sent or failed, and under no lease.

    Pending (queued, requeued), held (NULL: a paused campaign, or a priority "now" email being
    sent) and leased emails are never deleted: they are mail still to be delivered.
    """
    emails: QuerySet[Email] = Email.objects.filter(created__lt=cutoff, status__in=FINISHED)
    return emails.exclude(delivery__lease_expires_at__gt=timezone.now())


def cleanup_expired_mails(
    cutoff_date: datetime, delete_attachments: bool = True, batch_size: int = BATCH_SIZE
) -> tuple[int, int]:
    """post_office's cleanup, deleting only finished emails (``deletable``)."""
    deleted = 0
    while ids := list(deletable(cutoff_date).values_list("id", flat=True)[:batch_size]):
        deleted += Email.objects.filter(id__in=ids).delete()[1].get("post_office.Email", 0)
    # post_office's own function then deletes the attachments no email uses any more: given
    # a cutoff before any email, it deletes no email itself.
    _, attachments = _ORIGINAL["cleanup_expired_mails"](
        datetime.min.replace(tzinfo=UTC), delete_attachments, batch_size
    )
    return deleted, attachments


_REPLACEMENTS = {
    "post_office.mail": ("send_queued", "send_queued_mail_until_done"),
    "post_office.utils": ("cleanup_expired_mails",),
    # Modules that import those names; patched too if already imported.
    "post_office.tasks": ("send_queued_mail_until_done", "cleanup_expired_mails"),
    "post_office.management.commands.send_queued_mail": ("send_queued_mail_until_done",),
    "post_office.management.commands.cleanup_mail": ("cleanup_expired_mails",),
}
_ORIGINAL: dict[str, Any] = {}  # name → post_office's function


def install() -> None:
    """Put Mailroom's functions in place of post_office's (idempotent)."""
    import post_office.mail
    import post_office.utils

    for module, name in (
        (post_office.mail, "send_queued"),
        (post_office.mail, "send_queued_mail_until_done"),
        (post_office.utils, "cleanup_expired_mails"),
    ):
        _ORIGINAL.setdefault(name, getattr(module, name))
    _set_all(sys.modules[__name__].__dict__)


def restore() -> None:
    """Put post_office's own functions back: only for bench/throughput.py's baseline, which
    measures post_office's loop as it ships."""
    _set_all(_ORIGINAL)


def _set_all(functions: dict[str, Any]) -> None:
    for module_name, names in _REPLACEMENTS.items():
        module = sys.modules.get(module_name)
        for name in names:
            if module is not None and hasattr(module, name):
                setattr(module, name, functions[name])
