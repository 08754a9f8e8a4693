"""Mail received as SES receiving reports it: a receipt rule's SNS action → ``Received`` JSON."""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, TypedDict

from bouncy.inbound import RECEIVED, ReceiptAction, Verdict, VerdictStatus

from . import mime
from .notifications import common_headers, iso

RECEIPT_SUBJECT = "Amazon SES Email Receipt Notification"
# bouncy's enums as plain values: for membership tests and messages that read "('SNS', 'S3')".
ACTIONS = tuple(action.value for action in ReceiptAction)
VERDICT_NAMES = tuple(name.value for name in Verdict)
VERDICT_VALUES = tuple(status.value for status in VerdictStatus)
BUCKET = "mailroom-sandbox-inbound"  # where the S3 action stores mail (served by s3_api)
ENCODINGS = ("BASE64", "UTF8")
SNS_CONTENT_LIMIT = 150 * 1024  # larger mail bounces with an SNS action (S3 is needed)
_ID_ALPHABET = string.ascii_lowercase + string.digits


class InboundError(ValueError):
    """A message the sandbox cannot deliver as SES would (too large, bad verdict, no recipient)."""


class Envelope(TypedDict, total=False):
    """``Inbound``'s fields but the message, as keywords (``SESSandbox.receive``'s)."""

    recipients: tuple[str, ...]
    sender: str
    verdicts: dict[str, str]
    encoding: str
    action: str


@dataclass(frozen=True)
class Inbound:
    """One message arriving at SES: the raw MIME and the SMTP envelope (defaults: its headers)."""

    raw: bytes
    recipients: tuple[str, ...] = ()
    sender: str = ""
    verdicts: dict[str, str] = field(default_factory=dict)
    encoding: str = "BASE64"
    action: str = ReceiptAction.SNS

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise InboundError(f"encoding must be one of {ENCODINGS}, not {self.encoding!r}")
        if self.action not in ACTIONS:
            raise InboundError(f"action must be one of {ACTIONS}, not {self.action!r}")
        if self.action == ReceiptAction.SNS and len(self.raw) > SNS_CONTENT_LIMIT:
            limit = SNS_CONTENT_LIMIT
            raise InboundError(f"the message is over {limit} bytes (SES would bounce it)")
        bad = {k: v for k, v in self.verdicts.items()
               if k not in VERDICT_NAMES or v not in VERDICT_VALUES}  # fmt: skip
        if bad:
            raise InboundError(f"verdicts must map {VERDICT_NAMES} to {VERDICT_VALUES}: {bad}")
        if not self.envelope_recipients():
            raise InboundError("no recipient: give recipients or a To header")

    def envelope_recipients(self) -> list[str]:
        """RCPT TO: the given recipients, else the To and Cc addresses."""
        if self.recipients:
            return list(self.recipients)
        headers = mime.headers_of(self.raw)
        return mime.addresses([*headers.get("to", []), *headers.get("cc", [])])

    def envelope_sender(self) -> str:
        """MAIL FROM: the given sender, else the From address."""
        if self.sender:
            return self.sender
        return parseaddr(mime.headers_of(self.raw).get("from", [""])[0])[1]


def ses_message_id() -> str:
    """An id shaped like the ones SES receiving gives (lower-case letters and digits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(28))


def object_key(ses_id: str) -> str:
    """Where the S3 action stores a message (SES uses the prefix and the message id)."""
    return f"replies/{ses_id}"


def received_json(inbound: Inbound, topic_arn: str, ses_id: str, now: float) -> dict[str, Any]:
    """The ``Received`` notification: SNS action with the content, or S3 action naming the key."""
    recipients = inbound.envelope_recipients()
    doc = {
        "notificationType": RECEIVED,
        "mail": _mail(inbound, ses_id, recipients, now),
        "receipt": _receipt(inbound, _action(inbound, topic_arn, ses_id), recipients, now),
    }
    if inbound.action == ReceiptAction.SNS:
        doc["content"] = _content(inbound)
    return doc


def _content(inbound: Inbound) -> str:
    if inbound.encoding == "BASE64":
        return base64.b64encode(inbound.raw).decode("ascii")
    return inbound.raw.decode("utf-8", "replace")


def _action(inbound: Inbound, topic_arn: str, ses_id: str) -> dict[str, str]:
    if inbound.action == ReceiptAction.S3:
        key = object_key(ses_id)
        return {
            "type": ReceiptAction.S3, "topicArn": topic_arn, "bucketName": BUCKET, "objectKey": key
        }
    return {"type": ReceiptAction.SNS, "topicArn": topic_arn, "encoding": inbound.encoding}


def _receipt(
    inbound: Inbound, action: dict[str, Any], recipients: list[str], now: float
) -> dict[str, Any]:
    verdicts = {name: inbound.verdicts.get(name, VerdictStatus.PASS) for name in Verdict}
    receipt: dict[str, Any] = {
        "timestamp": iso(now),
        "processingTimeMillis": 42,
        "recipients": recipients,
        **{f"{name}Verdict": {"status": status} for name, status in verdicts.items()},
        "action": action,
    }
    if verdicts[Verdict.DMARC] == VerdictStatus.FAIL:
        receipt["dmarcPolicy"] = "none"
    return receipt


def _mail(inbound: Inbound, ses_id: str, recipients: list[str], now: float) -> dict[str, Any]:
    headers = mime.header_fields(inbound.raw)
    return {
        "timestamp": iso(now),
        "source": inbound.envelope_sender(),
        "messageId": ses_id,
        "destination": recipients,
        "headersTruncated": False,
        "headers": [{"name": name, "value": value} for name, value in headers],
        "commonHeaders": common_headers(headers, ses_id),
    }
