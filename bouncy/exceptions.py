"""bouncy's exception classes: one root, one class per reason a message is refused."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation


def shown(value: object, limit: int = 120) -> str:
    """A value quoted for a one-line reason: repr() escapes newlines; long values are cut."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class BouncyError(Exception):
    """Root of every error bouncy raises on purpose."""


class BouncyConfigurationError(BouncyError, ImproperlyConfigured):
    """A BOUNCY_* setting is missing or wrong; the message names the setting."""


class Rejection(BouncyError):
    """A message was not accepted; ``str(exc)`` is a one-line reason safe to show the sender."""


class InvalidNotification(Rejection, SuspiciousOperation):
    """The message is not a genuine SNS message for us: it is refused and nothing is stored."""


class BodyTooLarge(InvalidNotification):
    """The body is over BOUNCY_MAX_BODY_BYTES."""


class MalformedMessage(InvalidNotification):
    """Not JSON, not an object, a required key missing or a value of the wrong type."""


class UnsupportedMessageType(InvalidNotification):
    """``Type`` is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation."""


class StaleNotification(InvalidNotification):
    """The signed ``Timestamp`` is older than BOUNCY_MAX_AGE: a replayed capture, not SNS."""


class UnsupportedSignatureVersion(InvalidNotification):
    """``SignatureVersion`` is neither "1" (SHA1withRSA) nor "2" (SHA256withRSA)."""


class UnknownTopic(InvalidNotification):
    """The signed ``TopicArn`` is not listed in BOUNCY_TOPIC_ARN."""


class UntrustedURL(InvalidNotification):
    """A URL in the message points somewhere SNS does not live."""


class UntrustedCertificateURL(UntrustedURL):
    """``SigningCertURL`` does not match BOUNCY_CERT_URL_PATTERN (nor an active dev host)."""


class UntrustedSubscribeURL(UntrustedURL):
    """``SubscribeURL`` is not an https URL on an SNS host."""


class InvalidCertificate(InvalidNotification):
    """The signing certificate could not be read as a PEM X.509 certificate with an RSA key."""


class CertificateNotFound(InvalidNotification):
    """The SigningCertURL answered 404 (or another non-5xx error): no such certificate."""


class CertificateNotValidAtTimestamp(InvalidNotification):
    """The signing certificate had expired, or was not yet valid, at the message's Timestamp."""


class InvalidSignature(InvalidNotification):
    """``Signature`` is not base64, or does not verify against the certificate."""


class CertificateUnavailable(Rejection):
    """The signing certificate cannot be fetched now (network, timeout, 5xx): retry later."""


class SesParseError(BouncyError, ValueError):
    """A verified Notification's ``Message`` is not SES JSON; it is stored raw, with the reason."""


class SubscriptionError(BouncyError):
    """Confirming an SNS subscription failed (the SubscribeURL fetch did not succeed)."""


class SqsError(BouncyError):
    """SQS refused a call or could not be reached."""
