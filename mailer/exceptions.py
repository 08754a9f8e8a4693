"""Mailroom's exception classes: one root, SES outcomes, configuration and suppression errors."""

from __future__ import annotations

from django.core.exceptions import BadRequest, ImproperlyConfigured, ValidationError


class MailerError(Exception):
    """Root of every error Mailroom raises on purpose."""


class MailerConfigurationError(MailerError, ImproperlyConfigured):
    """A Mailroom setting is missing or wrong; the message names the setting."""


class SESError(MailerError):
    """SES did not accept a message. ``code`` is SES's error code when it gave one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class SESTransientError(SESError):
    """Try again later (connection error, 5xx): the email goes back in the queue."""


class SESAmbiguousOutcome(SESTransientError):
    """The request reached SES but no answer came (read timeout, dropped connection): SES may
    have accepted the message, so its retry may be a duplicate."""


class SESAccountError(SESError):
    """SES refused the account, not the message (credentials, permissions, sending paused,
    configuration set, sender or MAIL FROM not verified): sending pauses, no email fails."""


class SESThrottled(SESTransientError):
    """SES answered Throttling / TooManyRequestsException: over the send rate."""


class SESDailyQuotaExceeded(SESTransientError):
    """SES's rolling 24-hour quota is used up: sending pauses until it frees."""


class SESPermanentError(SESError):
    """SES refused this message for good (MessageRejected, bad address, unverified sender)."""


class InvalidAddress(MailerError, ValidationError):
    """An email address that cannot be normalised (the message says which and why)."""


class InvalidUnsubscribeToken(MailerError, BadRequest):
    """An unsubscribe token that is malformed, truncated or not signed by this site."""


class SuppressionImportError(MailerError, ValidationError):
    """A CSV import with bad rows; ``messages`` has one line per problem and nothing was saved."""


class RateLimiterUnavailable(MailerError):
    """Redis, which holds the shared rate limit, cannot be reached: nothing may be sent."""


class InvalidRecipient(MailerError):
    """A recipient of a message sent at once is not exactly one mailbox: nothing is sent."""


class AllRecipientsSuppressed(MailerError):
    """Every recipient of a message sent at once (priority "now") is on the suppression list."""


class SESLimitExceeded(MailerError, ValueError):
    """A message SES would refuse whatever the moment: refused at ``send()``, nothing queued."""


class MessageTooLarge(SESLimitExceeded):
    """The raw message is larger than SES's SendRawEmail accepts."""


class TooManyRecipients(SESLimitExceeded):
    """More recipients (to, cc and bcc together) than SES accepts for one message."""
