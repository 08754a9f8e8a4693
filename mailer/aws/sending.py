"""The one module that talks to Amazon SES (through django-ses's backend and its boto3 client).

Everything SES can answer is turned into a small dataclass or one of Mailroom's SES
exception classes here, once, so the rest of Mailroom never sees botocore.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.core.mail import EmailMessage
from django_ses import SESBackend, get_message_bytes
from django_ses.conf import settings as backend_settings

from mailer.exceptions import (
    SESDailyQuotaExceeded,
    SESError,
    SESPermanentError,
    SESThrottled,
    SESTransientError,
)

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


@dataclass(frozen=True)
class SendResult:
    message_id: str


@dataclass(frozen=True)
class Quota:
    """SES's send quota: recipients per second and per rolling 24 hours."""

    max_send_rate: float
    max_24_hour_send: float
    sent_last_24_hours: float

    @property
    def exhausted(self) -> bool:
        return self.max_24_hour_send >= 0 and self.sent_last_24_hours >= self.max_24_hour_send


_shared: dict[str, SESBackend] = {}
_lock = threading.Lock()


def _backend() -> SESBackend:
    """One django-ses backend (one boto3 client, one connection pool) per process.

    boto3 clients are thread-safe, so the sender threads of a worker share it; a new client
    per message costs ~100 ms and would cap a worker near 8 messages/s.
    """
    backend = _shared.get("backend")
    if backend is None:
        with _lock:
            if "backend" not in _shared:
                fresh = SESBackend(fail_silently=False)
                fresh.open()
                _shared["backend"] = fresh
            backend = _shared["backend"]
    return backend


def warm_up() -> None:
    """Build the client now (a worker process at start), not on the first send of a burst."""
    try:
        _backend()
    except (ClientError, BotoCoreError):
        reset_client()


def reset_client() -> None:
    """Forget the client (after a fork, or when settings change in tests)."""
    with _lock:
        _shared.clear()


def send(message: EmailMessage) -> SendResult:
    """Send one message through SES to all its recipients (to, cc and bcc).

    django-ses builds and configures the client (credentials, region, endpoint, retries); the
    call itself is made here, as django-ses's ``send_raw_email`` would make it, because its
    ``send_messages`` retries a failing ``import dkim`` and formats debug lines on every
    message, which cost more than a quarter of a worker's CPU per send.
    """
    backend = _backend()
    params = {
        "Source": message.from_email,
        "Destinations": message.recipients(),
        "RawMessage": {"Data": get_message_bytes(message)},
    }
    if backend_settings.AWS_SES_CONFIGURATION_SET:
        params["ConfigurationSetName"] = backend_settings.AWS_SES_CONFIGURATION_SET
    try:
        answer = backend.connection.send_raw_email(**params)
    except (ClientError, BotoCoreError) as exc:
        raise classify(exc) from exc
    return SendResult(message_id=answer["MessageId"])


def get_quota() -> Quota:
    """SES ``GetSendQuota``: the account's MaxSendRate, 24-hour quota and use."""
    try:
        answer = _backend().connection.get_send_quota()
    except (ClientError, BotoCoreError) as exc:
        raise classify(exc) from exc
    return Quota(
        max_send_rate=float(answer["MaxSendRate"]),
        max_24_hour_send=float(answer["Max24HourSend"]),
        sent_last_24_hours=float(answer["SentLast24Hours"]),
    )


def classify(exc: Exception) -> SESError:
    """Turn a botocore error into throttled / daily quota / transient / permanent."""
    if isinstance(exc, BotoConnectionError | BotoCoreError) and not isinstance(exc, ClientError):
        return SESTransientError(f"Cannot reach SES: {exc}", "ConnectionError")
    assert isinstance(exc, ClientError)
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
