"""Mailroom's exception classes: one root, SES outcomes, configuration errors."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


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


class SESThrottled(SESTransientError):
    """SES answered Throttling / TooManyRequestsException: over the send rate."""


class SESDailyQuotaExceeded(SESTransientError):
    """SES's rolling 24-hour quota is used up: sending pauses until it frees."""


class SESPermanentError(SESError):
    """SES refused this message for good (MessageRejected, bad address, unverified sender)."""
