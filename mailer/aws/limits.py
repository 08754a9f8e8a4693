"""What SES refuses whatever the moment, checked before a message is queued.

Mailroom sends through SES's v1 API (``SendRawEmail``), whose limits are fixed: a raw message
of at most 10 MB (10,485,760 bytes of MIME, attachments in their base64 form: "after base64
encoding", as SES's quota page puts it) and at most 50 recipients (to, cc and bcc together).
SES's v2 API and SMTP accept 40 MB; Mailroom does not use them. A message over either limit
would be queued only to be failed by SES, so the backend refuses it at ``send()`` instead.
"""

from __future__ import annotations

from mailer.exceptions import MessageTooLarge, TooManyRecipients

MAX_RAW_BYTES = 10 * 1024 * 1024
MAX_RECIPIENTS = 50


def check_recipients(count: int) -> None:
    """Raise TooManyRecipients above SES's per-message limit."""
    if count > MAX_RECIPIENTS:
        raise TooManyRecipients(
            f"This message has {count} recipients (to, cc and bcc together); SES accepts at "
            f"most {MAX_RECIPIENTS} per message. Nothing was queued: send it as several "
            "messages (send_mass_mail, or a campaign)."
        )


def check_size(raw_bytes: int) -> None:
    """Raise MessageTooLarge above SES's v1 SendRawEmail size limit."""
    if raw_bytes > MAX_RAW_BYTES:
        raise MessageTooLarge(
            f"This message is {raw_bytes:,} bytes as MIME; SES's v1 SendRawEmail API, which "
            f"Mailroom uses, accepts at most {MAX_RAW_BYTES:,} bytes (10 MB) including "
            "encoded attachments. Nothing was queued: link to large files instead of attaching "
            "them."
        )
