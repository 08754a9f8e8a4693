"""The SES errors the sandbox can answer, with their v1 (Query) and v2 (REST JSON) shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fault:
    """One kind of SES error; `category` is the stats counter it increments."""

    name: str
    category: str  # "throttled" | "rejected" | "errors"
    v1_status: int
    v1_type: str
    v1_code: str
    v2_status: int
    v2_code: str
    template: str


_TABLE = (
    Fault("Throttling", "throttled", 400, "Sender", "Throttling",
          429, "TooManyRequestsException", "Maximum sending rate exceeded."),
    Fault("DailyQuotaExceeded", "rejected", 400, "Sender", "Throttling",
          400, "LimitExceededException", "Daily message quota exceeded."),
    Fault("MessageRejected", "rejected", 400, "Sender", "MessageRejected",
          400, "MessageRejected",
          "Email address is not verified. The following identities failed the check"
          " in region {region}: {source}"),
    Fault("MessageTooLong", "rejected", 400, "Sender", "MessageRejected",
          400, "MessageRejected", "Message length is more than {limit} bytes long: '{length}'."),
    Fault("RecipientNotVerified", "rejected", 400, "Sender", "MessageRejected",
          400, "MessageRejected",
          "Email address is not verified. The following identities failed the check"
          " in region {region}: {recipients}"),
    Fault("MailFromDomainNotVerified", "rejected", 400, "Sender",
          "MailFromDomainNotVerifiedException", 400, "MailFromDomainNotVerifiedException",
          "MAIL FROM domain {domain} is not verified."),
    Fault("ConfigurationSetDoesNotExist", "rejected", 400, "Sender",
          "ConfigurationSetDoesNotExist", 404, "NotFoundException",
          "Configuration set <{config}> does not exist."),
    Fault("AccountSendingPaused", "rejected", 400, "Sender", "AccountSendingPausedException",
          400, "SendingPausedException", "Sending is paused for this account."),
    Fault("ServiceUnavailable", "errors", 503, "Receiver", "ServiceUnavailable",
          503, "ServiceUnavailable", "Service is unavailable. Please try again later."),
    Fault("InternalFailure", "errors", 500, "Receiver", "InternalFailure",
          500, "InternalFailure",
          "The request processing has failed because of an unknown error, exception or failure."),
    Fault("InvalidParameterValue", "rejected", 400, "Sender", "InvalidParameterValue",
          400, "BadRequestException", "{detail}"),
    Fault("InvalidClientTokenId", "rejected", 403, "Sender", "InvalidClientTokenId",
          403, "UnrecognizedClientException",
          "The security token included in the request is invalid."),
    Fault("UnknownOperation", "rejected", 400, "Sender", "InvalidAction",
          404, "UnknownOperationException", "The action or operation {detail} is not valid."),
)  # fmt: skip

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _TABLE}
_ALIASES: dict[str, Fault] = {}
for _fault in _TABLE:
    _ALIASES.setdefault(_fault.v1_code, _fault)
    _ALIASES.setdefault(_fault.v2_code, _fault)


def lookup(code: str) -> Fault:
    """The fault named `code` (our name, or its v1 or v2 error code); ValueError if unknown."""
    fault = FAULTS.get(code) or _ALIASES.get(code)
    if fault is None:
        raise ValueError(f"unknown fault code {code!r}; known: {', '.join(FAULTS)}")
    return fault


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


class SandboxError(Exception):
    """An SES error answer: the fault and its rendered message."""

    def __init__(self, fault: Fault | str, **context: str) -> None:
        self.fault = lookup(fault) if isinstance(fault, str) else fault
        self.message = self.fault.template.format_map(_Blank(context))
        super().__init__(f"{self.fault.name}: {self.message}")
