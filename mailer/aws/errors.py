"""The one botocore error classifier: what an AWS failure means for the email and the account.

Every SES call (sending, the quota, the account reads behind ``ses_check``, the suppression
list) goes through ``call`` / ``classified``, so each kind below is decided in one place:

- **throttled**: over the send rate; back in the queue after a short jittered wait.
- **daily quota**: the 24-hour quota is used up; every worker pauses.
- **account**: SES refused the account, not this message (credentials, permissions, sending
  paused, missing configuration set, unverified MAIL FROM or sender); every worker pauses and
  the email goes back, spending nothing.
- **transient**: a 5xx, or no connection before the request was sent; retried with backoff.
- **ambiguous**: the request was sent but no answer came; retried, and flagged as a possible
  duplicate.
- **permanent**: this message is refused (content, a recipient, a malformed address).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parseaddr
from typing import TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from mailer.exceptions import (
    SESAccountError,
    SESAmbiguousOutcome,
    SESDailyQuotaExceeded,
    SESError,
    SESPermanentError,
    SESThrottled,
    SESTransientError,
)

T = TypeVar("T")
THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
ACCOUNT_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "InvalidAccessKeyId",
        "AccessDenied",
        "AccessDeniedException",
        "AccountSendingPausedException",
        "SendingPausedException",
        "ConfigurationSetSendingPausedException",
        "ConfigurationSetDoesNotExist",
        "MailFromDomainNotVerifiedException",
    }
)
QUOTA_CODES = frozenset({"LimitExceededException"})
TRANSIENT_CODES = frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "RequestTimeout",
    }
)
# Sent, no answer: SES may have the message. Checked before the "never sent" connection errors.
_AMBIGUOUS = (ReadTimeoutError, ConnectionClosedError)
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)
_NO_CREDENTIALS = (NoCredentialsError, PartialCredentialsError)
_UNVERIFIED = "not verified"


def classify(exc: Exception, service: str = "SES", source: str = "") -> SESError:
    """Turn a botocore error into one of Mailroom's SES errors; ``source`` is the sender (From /
    Source) of a send, to tell an unverified sender (account) from an unverified recipient."""
    if isinstance(exc, ClientError):
        return _client_error(exc, source)
    if isinstance(exc, _AMBIGUOUS):
        return SESAmbiguousOutcome(f"No answer from {service} after sending: {exc}",
                                   "ConnectionError")  # fmt: skip
    if isinstance(exc, _NOT_SENT):
        return SESTransientError(f"Cannot reach {service}: {exc}", "ConnectionError")
    if isinstance(exc, _NO_CREDENTIALS):
        return SESAccountError(f"No usable AWS credentials: {exc}", "NoCredentials")
    if isinstance(exc, ParamValidationError):
        return SESPermanentError(str(exc), "ParamValidationError")
    if isinstance(exc, BotoCoreError):
        return SESTransientError(f"{service} call failed: {exc}", type(exc).__name__)
    raise TypeError(f"not a botocore error: {exc!r}")


def _client_error(exc: ClientError, source: str) -> SESError:
    error = exc.response.get("Error", {})
    code, text = error.get("Code", "") or "ClientError", error.get("Message", "") or str(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    message = f"{code}: {text}"
    if code in QUOTA_CODES or "daily message quota" in text.lower():
        return SESDailyQuotaExceeded(message, code)
    if code in THROTTLE_CODES or status == 429:
        return SESThrottled(message, code)
    if (
        code in ACCOUNT_CODES
        or (code == "NotFoundException" and "configuration set" in text.lower())
        or _sender_unverified(text, source)
    ):
        return SESAccountError(message, code)
    if code in TRANSIENT_CODES or status >= 500:
        return SESTransientError(message, code)
    return SESPermanentError(message, code)


def _sender_unverified(text: str, source: str) -> bool:
    """SES's "Email address is not verified. The following identities failed the check in
    region X: a@b.com, c@d.com": the account's problem when the sender (or its domain) is
    among them; a recipient's (sandbox accounts) otherwise."""
    if _UNVERIFIED not in text.lower() or ":" not in text:
        return False
    failed = {part.strip().lower() for part in text.rsplit(":", 1)[1].split(",")}
    sender = parseaddr(source)[1].lower()
    return bool(sender) and (sender in failed or sender.rpartition("@")[2] in failed)


@contextmanager
def classified(service: str = "SES", source: str = "") -> Iterator[None]:
    """Raise botocore's errors inside the block as Mailroom's SES errors."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise classify(exc, service, source) from exc


def call(request: Callable[[], T], service: str = "SES") -> T:
    """Make one AWS call to ``service``; its botocore errors are raised classified."""
    with classified(service):
        return request()
