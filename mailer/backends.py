"""post_office's delivery backend: what its own ``dispatch()`` uses (priority "now").

Mailroom's workers do not go through here (they call ``mailer.sending``); this backend makes
post_office's synchronous paths send through the same SES module and the same shared limit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from mailer import ses
from mailer.lanes import TRANSACTIONAL
from mailer.ratelimit import get_limiter

MAX_WAIT_SECONDS = 30.0


class SESBackend(BaseEmailBackend):
    """Send each message through SES at once, within the account-wide rate limit."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            deadline = time.time() + MAX_WAIT_SECONDS
            if not get_limiter().wait(
                len(message.recipients()), lane=TRANSACTIONAL, deadline=deadline
            ):
                raise ses.SESThrottled(
                    "No send slot within 30 s (sending paused or rate busy).", "Throttling"
                )
            try:
                ses.send(message)
            except ses.SESError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
