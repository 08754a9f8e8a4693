"""post_office's delivery backend: what its own ``dispatch()`` uses (priority "now").

Mailroom's workers do not go through here (they call ``mailer.sending.batch``); this backend makes
post_office's synchronous path keep Mailroom's promises: every recipient is checked against
the suppression list, the send waits for the account-wide rate limit, and the Email's
Delivery row records the SES MessageId (so bounces and complaints find it), the recipients
and those dropped. post_office sets the Email's status itself: sent, or failed when this
backend raises (an SES error, or every recipient suppressed).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from post_office.models import PRIORITY, Email

from mailer import aws
from mailer.exceptions import AllRecipientsSuppressed, SESError, SESThrottled
from mailer.lanes import TRANSACTIONAL
from mailer.models import Delivery
from mailer.pacing.limiter import get_limiter
from mailer.queue import HELD, record_now, suppressed_error
from mailer.suppression import filtering

MAX_WAIT_SECONDS = 30.0
State = Delivery.State


class SESBackend(BaseEmailBackend):
    """Send each message through SES at once, within the account-wide rate limit."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                send_now(message, email_id_of(message))
            except (SESError, AllRecipientsSuppressed):
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent


def send_now(message: EmailMessage, email_id: int | None) -> None:
    """Drop suppressed recipients, wait for the limit, send, and record it on ``email_id``."""
    decision = filtering.filter_message(message)
    if not decision.recipients:
        error = suppressed_error(decision.dropped)
        _record(email_id, State.SUPPRESSED, dropped=decision.dropped, error=error)
        raise AllRecipientsSuppressed(error)
    message.to, message.cc, message.bcc = decision.to, decision.cc, decision.bcc
    deadline = time.time() + MAX_WAIT_SECONDS
    if not get_limiter().wait(len(decision.recipients), lane=TRANSACTIONAL, deadline=deadline):
        raise SESThrottled(
            "No send slot within 30 s (sending paused or rate busy).", "Throttling"
        )
    try:
        result = aws.send(message)
    except SESError as exc:
        _record(email_id, State.FAILED, dropped=decision.dropped, error=str(exc))
        raise
    _record(email_id, State.SENT, ses_message_id=result.message_id,
            recipients=decision.recipients, dropped=decision.dropped)


def email_id_of(message: EmailMessage) -> int | None:
    """The post_office Email a priority "now" message was built from (by its Message-ID).

    post_office hands its backend the message, not the row; the row carries the same
    Message-ID (MESSAGE_ID_ENABLED), found through a small partial index (migration 0005).
    """
    message_id = message.extra_headers.get("Message-ID")
    if not message_id:
        return None
    rows = Email.objects.filter(HELD, message_id=message_id, priority=PRIORITY.now)
    return rows.order_by("-id").values_list("id", flat=True).first()


def _record(email_id: int | None, state: str, **fields: object) -> None:
    if email_id is not None:
        record_now(email_id, state, **fields)
