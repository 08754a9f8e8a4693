"""A Django message in the queue: frozen into MIME, an Email row, and sent back from them.

Django's ``EmailMessage.message()`` is the definition of what a message looks like on the wire
(HTML-only bodies, alternatives, inline parts, ``mixed_subtype``, encodings, IDN domains, lazy
strings). Freezing its output at ``send()`` keeps all of it without modelling any of it; the
worker hands SES the same bytes through ``QueuedMessage``. The Email's own fields are the
envelope (``from_email``, ``to``, ``cc``, ``bcc``: suppression and SES's Destinations read
them) and, for the admin and post_office's API, a readable copy of the rest.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.mime.base import MIMEBase
from email.policy import Policy
from email.utils import make_msgid
from typing import Any

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.mail.message import EmailAttachment, SafeMIMEMultipart, SafeMIMEText
from post_office.models import PRIORITY, STATUS, Attachment, Email
from post_office.settings import get_message_id_fqdn

from mailer.aws import limits
from mailer.suppression.addresses import mailbox

LINESEP = "\r\n"
SUBJECT_MAX = Email._meta.get_field("subject").max_length


def message_id_of(message: EmailMessage) -> str | None:
    """The Message-ID the sender set in ``extra_headers`` (any case), if any."""
    for name, value in message.extra_headers.items():
        if name.lower() == "message-id":
            return str(value)
    return None


def freeze(message: EmailMessage, message_id: str) -> bytes:
    """The raw message (CRLF line endings) as SES will receive it, with ``message_id``.

    Raises what Django raises for a message it cannot build (BadHeaderError, a bad
    attachment), so such a message is refused at ``send()``, never queued.
    """
    own = copy.copy(message)
    own.extra_headers = {
        **{k: v for k, v in message.extra_headers.items() if k.lower() != "message-id"},
        "Message-ID": message_id,
    }
    mime: SafeMIMEText | SafeMIMEMultipart = own.message()
    return mime.as_bytes(linesep=LINESEP)


class FrozenMIME(Message):
    """A stored message, parsed for reading; serialised, it gives back the stored bytes."""

    raw: bytes = b""

    def as_bytes(
        self, unixfrom: bool = False, policy: Policy | None = None, linesep: str | None = None
    ) -> bytes:
        """The stored bytes (Django's and the stdlib's signatures, for django-ses and others)."""
        if not self.raw:  # a sub-part: the parser made it, nothing was stored for it alone
            return super().as_bytes(unixfrom, policy)
        sep = linesep or (policy.linesep if policy else "\n")
        return self.raw if sep == LINESEP else self.raw.replace(LINESEP.encode(), sep.encode())

    def __bytes__(self) -> bytes:
        return self.as_bytes()


def thaw(raw: bytes) -> FrozenMIME:
    """The stored message as a ``email.message.Message`` that serialises to ``raw``."""
    parsed = message_from_bytes(raw, _class=FrozenMIME)
    parsed.raw = raw
    return parsed


class QueuedMessage(EmailMessage):
    """A queued Email as Django built it at ``send()``: ``message()`` is the stored MIME.

    The envelope (``from_email``, ``to``, ``cc``, ``bcc``) comes from the Email row, so the
    suppression filter can drop a recipient from it; the headers stay as the sender wrote
    them, as with SES's own suppression list.
    """

    def __init__(self, email: Email, raw: bytes) -> None:
        super().__init__(
            subject=email.subject,
            from_email=email.from_email,
            to=list(email.to),
            cc=list(email.cc),
            bcc=list(email.bcc),
            headers={"Message-ID": email.message_id} if email.message_id else None,
        )
        self.raw = raw

    def message(self, **kwargs: object) -> FrozenMIME:
        return thaw(self.raw)


@dataclass
class Row:
    """An unsaved Email (already validated), its MIME, and the message it came from."""

    email: Email
    mime: bytes
    message: EmailMessage

    @classmethod
    def of(cls, message: EmailMessage, priority: int) -> Row:
        """Check ``message`` against SES's limits, freeze it, and fill an Email from it.

        Raises SESLimitExceeded for a message SES would refuse, ValidationError for an
        address the Email refuses (one without a domain, which SES refuses too), and what
        Django raises for a message it cannot build (BadHeaderError).
        """
        limits.check_recipients(len(message.recipients()))
        message_id = message_id_of(message) or make_msgid(domain=get_message_id_fqdn())
        mime = freeze(message, message_id)
        limits.check_size(len(mime))
        text, html = _bodies(message)
        email = Email(
            from_email=str(message.from_email),
            to=_envelope(message.to),
            cc=_envelope(message.cc),
            bcc=_envelope(message.bcc),
            subject=str(message.subject)[:SUBJECT_MAX],
            message=text,
            html_message=html,
            headers=_headers(message),
            message_id=message_id,
            priority=priority,
            status=None if priority == PRIORITY.now else STATUS.queued,
        )
        email.full_clean()
        return cls(email, mime, message)

    def save_attachments(self) -> None:
        """post_office's Attachment rows for the saved Email (its admin and API list them)."""
        for name, content, mimetype, headers in map(_attachment, self.message.attachments):
            attachment = Attachment(name=name[:255], mimetype=mimetype, headers=headers)
            attachment.file.save(name, ContentFile(content), save=True)
            attachment.emails.add(self.email)


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML bodies for the Email's own fields."""
    body = str(message.body)
    alternatives = getattr(message, "alternatives", [])
    html = next((str(content) for content, kind in alternatives if kind == "text/html"), "")
    if message.content_subtype == "html":
        return "", body
    return body, html


def _envelope(addresses: list[Any]) -> list[str]:
    """Recipients for the Email's comma-separated fields: a display name holding a comma would
    be split in two when read back, so such a recipient keeps only its mailbox (the MIME
    headers keep the name). A recipient that is not exactly one mailbox (a group, two
    addresses) raises InvalidAddress: ``parseaddr`` would keep its first address only."""
    kept = []
    for address in map(str, addresses):
        kept.append("@".join(mailbox(address)) if "," in address else address)
    return kept


def _headers(message: EmailMessage) -> dict[str, str] | None:
    """The extra headers and Reply-To as text."""
    headers = {str(k): str(v) for k, v in message.extra_headers.items()}
    if message.reply_to:
        headers.setdefault("Reply-To", ", ".join(map(str, message.reply_to)))
    return headers or None


def _attachment(
    item: MIMEBase | EmailAttachment,
) -> tuple[str, bytes, str, dict[str, Any] | None]:
    """(name, content, MIME type, headers) of a Django attachment or MIME part."""
    if isinstance(item, MIMEBase):
        payload = item.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        headers = {k: str(v) for k, v in item.items()}
        return item.get_filename() or "attachment", data, item.get_content_type(), headers
    name, content, mimetype = item
    return name or "attachment", _bytes(content), mimetype or "", None


def _bytes(content: str | bytes | Message | EmailMessage) -> bytes:
    """An attachment's content as stored: a forwarded EmailMessage (``message/rfc822``) as the
    MIME Django builds for it."""
    if isinstance(content, str):
        return content.encode()
    if isinstance(content, EmailMessage):
        return bytes(content.message())
    return bytes(content)
