"""The one botocore error classifier: every AWS failure becomes one of Mailroom's SES errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from mailer.exceptions import (
    SESDailyQuotaExceeded,
    SESError,
    SESPermanentError,
    SESThrottled,
    SESTransientError,
)

T = TypeVar("T")
THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
QUOTA_CODES = frozenset(
    {"LimitExceededException", "SendingPausedException", "AccountSendingPausedException"}
)
TRANSIENT_CODES = frozenset(
    {
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "RequestTimeout",
        "ServiceUnavailableException",
    }
)


def classify(exc: ClientError | BotoCoreError, service: str = "SES") -> SESError:
    """Throttled / daily quota / transient / permanent, keeping AWS's error code.

    A fault that says nothing about the email (no answer, no credentials, a 5xx) is transient:
    the sender pauses or retries, never fails the email for it.
    """
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return SESTransientError(f"No AWS credentials: {exc}", "NoCredentials")
    if not isinstance(exc, ClientError):
        return SESTransientError(f"Cannot reach {service}: {exc}", "ConnectionError")
    error = exc.response.get("Error", {})
    code, text = error.get("Code", ""), error.get("Message", "") or str(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if "daily message quota" in text.lower() or code in QUOTA_CODES:
        return SESDailyQuotaExceeded(f"{code}: {text}", code)
    if code in THROTTLE_CODES or status == 429:
        return SESThrottled(f"{code}: {text}", code)
    if code in TRANSIENT_CODES or status >= 500:
        return SESTransientError(f"{code}: {text}", code)
    return SESPermanentError(f"{code}: {text}", code)


@contextmanager
def classified(service: str = "SES") -> Iterator[None]:
    """Raise botocore's errors inside the block as Mailroom's SES errors."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise classify(exc, service) from exc


def call(request: Callable[[], T], service: str = "SES") -> T:
    """Make one AWS call to ``service``; its botocore errors are raised classified."""
    with classified(service):
        return request()
