"""post_office's delivery backend: what its own ``dispatch()`` uses (priority "now").

Mailroom's workers do not go through here (they call ``mailer.sending.batch``); this backend makes
post_office's synchronous path keep Mailroom's promises: every recipient is checked against
the suppression list, the send waits for the account-wide rate limit, and the Email's
Delivery row records the SES MessageId (so bounces and complaints find it), the recipients
and those dropped. post_office sets the Email's status itself: sent, or failed when this
backend raises (an SES error SES will not take back, or every recipient suppressed).

It never holds a web request near gunicorn's 30 s timeout: the limiter is waited for at most
``NOW_WAIT_SECONDS``. An email that cannot go in time, or meets an error that is not its own
(a throttle, a 5xx, a pause, Redis down), is handed to the workers instead: its row becomes
``queued`` (``hand_over``), and nothing is raised.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models.signals import pre_save
from django.dispatch import receiver
from post_office.models import PRIORITY, STATUS, Email

from mailer import aws
from mailer.conf import NOW_WAIT_SECONDS
from mailer.exceptions import (
    AllRecipientsSuppressed,
    InvalidRecipient,
    RateLimiterUnavailable,
    SESAccountError,
    SESError,
    SESThrottled,
    SESTransientError,
)
from mailer.lanes import TRANSACTIONAL
from mailer.models import Delivery
from mailer.pacing.limiter import get_limiter
from mailer.queue import HELD, record_now, suppressed_error
from mailer.sending import wakeup
from mailer.suppression import filtering

logger = logging.getLogger(__name__)
State = Delivery.State
_handed_over = threading.local()


class HandedOver(Exception):
    """The email could not go now without its fault; the workers will send it."""


class SESBackend(BaseEmailBackend):
    """Send each message through SES at once, within the account-wide rate limit."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            email_id = email_id_of(message)
            try:
                send_now(message, email_id)
            except HandedOver as exc:
                if email_id is None:
                    raise SESThrottled(str(exc), "Throttling") from exc
                hand_over(email_id, str(exc))
                continue
            except (SESError, AllRecipientsSuppressed, InvalidRecipient):
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent


def send_now(message: EmailMessage, email_id: int | None) -> None:
    """Drop suppressed recipients, wait for the limit, send, and record it on ``email_id``."""
    decision = filtering.filter_message(message)
    if decision.invalid:
        _record(email_id, State.FAILED, error=decision.invalid_error)
        raise InvalidRecipient(decision.invalid_error)
    if not decision.recipients:
        error = suppressed_error(decision.dropped)
        _record(email_id, State.SUPPRESSED, dropped=decision.dropped, error=error)
        raise AllRecipientsSuppressed(error)
    message.to, message.cc, message.bcc = decision.to, decision.cc, decision.bcc
    deadline = time.time() + NOW_WAIT_SECONDS
    try:
        allowed = get_limiter().wait(len(decision.recipients), lane=TRANSACTIONAL,
                                     deadline=deadline)  # fmt: skip
    except RateLimiterUnavailable as exc:
        raise HandedOver(str(exc)) from exc
    if not allowed:
        raise HandedOver(f"No send slot within {NOW_WAIT_SECONDS:.0f} s (paused or rate busy).")
    try:
        result = aws.send(message)
    except (SESTransientError, SESAccountError) as exc:  # not this email's fault
        raise HandedOver(str(exc)) from exc
    except SESError as exc:
        _record(email_id, State.FAILED, dropped=decision.dropped, error=str(exc))
        raise
    _record(email_id, State.SENT, ses_message_id=result.message_id,
            recipients=result.destinations, dropped=decision.dropped)


def email_id_of(message: EmailMessage) -> int | None:
    """The post_office Email a priority "now" message was built from (by its Message-ID).

    post_office hands its backend the message, not the row; the row carries the same
    Message-ID (MESSAGE_ID_ENABLED), found through a small partial index (migration 0005).
    """
    message_id = message.extra_headers.get("Message-ID")
    if not message_id:
        return None
    rows = Email.objects.filter(HELD, message_id=message_id, priority=PRIORITY.now)
    found: int | None = rows.order_by("-id").values_list("id", flat=True).first()
    return found


def _record(email_id: int | None, state: State, **fields: object) -> None:
    if email_id is not None:
        record_now(email_id, state, **fields)


def hand_over(email_id: int, reason: str) -> None:
    """Leave a priority "now" email to the workers: post_office, which is about to save it as
    sent, saves it as queued instead (``_keep_queued``), and a drain is asked for."""
    ids: set[int] = getattr(_handed_over, "ids", set())
    ids.add(email_id)
    _handed_over.ids = ids
    record_now(email_id, State.QUEUED, error=reason)
    wakeup.request(TRANSACTIONAL)
    logger.info("Email %s handed to the workers: %s", email_id, reason)


@receiver(pre_save, sender=Email, dispatch_uid="mailer.sending.backend.keep_queued")
def _keep_queued(
    sender: object, instance: Email, update_fields: Any = None, **kwargs: Any
) -> None:
    """post_office's ``dispatch()`` saves ``status`` after the backend returns: a handed-over
    email is saved ``queued``, not ``sent``."""
    ids = getattr(_handed_over, "ids", None)
    if ids and instance.pk in ids:
        ids.discard(instance.pk)
        instance.status = STATUS.queued
