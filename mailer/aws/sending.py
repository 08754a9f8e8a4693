"""Sending one message through SES (django-ses's backend and its boto3 client)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django_ses import get_message_bytes
from django_ses.conf import settings as backend_settings

from mailer.aws.clients import sending_backend
from mailer.aws.errors import classified
from mailer.suppression.addresses import lookup_key


@dataclass(frozen=True)
class SendResult:
    message_id: str
    destinations: list[str]  # the mailboxes SES was given (envelope_recipients)


def send(message: EmailMessage) -> SendResult:
    """Send one message through SES to all its recipients (to, cc and bcc).

    django-ses builds and configures the client (credentials, region, endpoint, retries); the
    call itself is made here, as django-ses's ``send_raw_email`` would make it, because its
    ``send_messages`` retries a failing ``import dkim`` and formats debug lines on every
    message, which cost more than a quarter of a worker's CPU per send.
    """
    backend = sending_backend()
    destinations = envelope_recipients(message)
    params = {
        "Source": _ascii(message.from_email, message),
        "Destinations": destinations,
        "RawMessage": {"Data": get_message_bytes(message)},
    }
    if backend_settings.AWS_SES_CONFIGURATION_SET:
        params["ConfigurationSetName"] = backend_settings.AWS_SES_CONFIGURATION_SET
    with classified(source=message.from_email):
        answer = backend.connection.send_raw_email(**params)
    return SendResult(message_id=answer["MessageId"], destinations=destinations)


def envelope_recipients(message: EmailMessage) -> list[str]:
    """The mailboxes SES delivers to: each recipient's parsed address.

    ``mailer.suppression.addresses.lookup_key``, the identity the suppression check looks up.

    Given explicitly, SES delivers to exactly those mailboxes, whatever display names or
    comments the headers carry.
    """
    return [lookup_key(recipient) for recipient in message.recipients()]


def _ascii(address: str, message: EmailMessage) -> str:
    """``address`` as SES takes it: 7-bit, an IDN domain in Punycode, a non-ASCII display name
    as an encoded-word (SES does not support SMTPUTF8); what Django's SMTP backend does."""
    address = str(address)
    if address.isascii():
        return address
    return sanitize_address(address, message.encoding or settings.DEFAULT_CHARSET)
