"""Pure: an SES ``Received`` notification (receipt rule SNS or S3 action) → a typed record.

The raw message is read from ``content`` when the SNS action carried it (UTF-8 or base64);
an S3 action's notification has no content, so its headers come from ``mail.headers``. The
S3 object itself is never fetched here (the operator fetches it on demand).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from enum import StrEnum
from typing import Any

from django.utils.html import strip_tags

RECEIVED = "Received"
TEXT_LIMIT = 100_000  # characters of the text part kept for the admin
_ACTION_KEYS = ("type", "topicArn", "bucketName", "objectKeyPrefix", "objectKey", "encoding")
_PARSER = BytesParser(policy=policy.default)


class Verdict(StrEnum):
    """The checks a receipt reports, each as ``<name>Verdict: {"status": …}``."""

    SPAM = "spam"
    VIRUS = "virus"
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"


class VerdictStatus(StrEnum):
    """A receipt verdict's ``status``."""

    PASS = "PASS"
    FAIL = "FAIL"
    GRAY = "GRAY"
    PROCESSING_FAILED = "PROCESSING_FAILED"


class ReceiptAction(StrEnum):
    """The receipt rule action that delivered a message: inline (SNS) or stored in S3."""

    SNS = "SNS"
    S3 = "S3"


@dataclass(frozen=True)
class ReceivedMail:
    """One received message: the receipt (verdicts, action) and the parsed message."""

    mail_id: str
    timestamp: datetime
    recipients: tuple[str, ...]
    verdicts: dict[Verdict, str]
    dmarc_policy: str
    action: dict[str, str]
    return_path: str
    headers: tuple[tuple[str, str], ...]
    headers_truncated: bool
    from_header: str
    from_address: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    text: str
    size: int | None
    raw: bytes | None
    content_error: str = ""

    @property
    def action_type(self) -> str:
        return self.action.get("type", "")


def parse(doc: dict[str, Any], mail_timestamp: datetime) -> ReceivedMail:
    """Read a ``notificationType: Received`` document (already JSON-decoded)."""
    receipt, mail = _obj(doc, "receipt"), _obj(doc, "mail")
    action = {k: v for k in _ACTION_KEYS if isinstance(v := _obj(receipt, "action").get(k), str)}
    raw, error = _content(doc.get("content"), action.get("encoding", ""))
    message = _message(raw, mail)
    return ReceivedMail(
        mail_id=_str(mail.get("messageId")),
        timestamp=mail_timestamp,
        recipients=_strings(receipt.get("recipients")),
        verdicts={name: _verdict(receipt, name) for name in Verdict},
        dmarc_policy=_str(receipt.get("dmarcPolicy"))[:32],
        action=action,
        return_path=_str(mail.get("source")),
        headers=tuple((name, _header_text(value)) for name, value in message.items()),
        headers_truncated=bool(mail.get("headersTruncated")) and raw is None,
        from_header=header(message, "From"),
        from_address=parseaddr(header(message, "From"))[1],
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        subject=header(message, "Subject"),
        date=_date(header(message, "Date")),
        message_id=header(message, "Message-ID"),
        in_reply_to=header(message, "In-Reply-To"),
        references=tuple(header(message, "References").split()),
        text=_text(message) if raw is not None else "",
        size=len(raw) if raw is not None else None,
        raw=raw,
        content_error=error,
    )


def header(message: EmailMessage, name: str) -> str:
    """A header's decoded value ("" if absent); an undecodable one as its raw text."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 (the email package raises many kinds on malformed input)
        value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    return _header_text(value) if value is not None else ""


def _content(content: object, encoding: str) -> tuple[bytes | None, str]:
    """The raw message bytes from ``content``, or None and why not."""
    if not isinstance(content, str):
        return None, ""
    if encoding.upper() != "BASE64":
        return content.encode("utf-8", "surrogatepass"), ""
    try:
        return base64.b64decode(content, validate=True), ""
    except (binascii.Error, ValueError):
        return None, "content is not valid base64"


def _message(raw: bytes | None, mail: dict[str, Any]) -> EmailMessage:
    """The parsed message, or (no content) a header-only message from ``mail.headers``."""
    if raw is None:
        lines = [f"{h['name']}: {h['value']}" for h in _header_list(mail)]
        raw_headers = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogatepass")
        return _PARSER.parsebytes(raw_headers, headersonly=True)
    return _PARSER.parsebytes(raw)


def _header_list(mail: dict[str, Any]) -> list[dict[str, str]]:
    items = mail.get("headers")
    if not isinstance(items, list):
        return []
    valid = [h for h in items if isinstance(h, dict)]
    return [h for h in valid if isinstance(h.get("name"), str) and isinstance(h.get("value"), str)]


def _text(message: EmailMessage) -> str:
    """The plain text part (or the HTML part without tags), at most TEXT_LIMIT characters."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
    except Exception:  # noqa: BLE001 (unknown charsets, broken transfer encodings)
        return ""
    if part is not None and part.get_content_subtype() == "html":
        text = strip_tags(text)
    return _clean(text)[:TEXT_LIMIT]


def _addresses(message: EmailMessage, name: str) -> tuple[str, ...]:
    return tuple(address for _n, address in getaddresses([header(message, name)]) if address)


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _verdict(receipt: dict[str, Any], name: Verdict) -> str:
    return _str(_obj(receipt, f"{name}Verdict").get("status"))[:32]


def _header_text(value: object) -> str:
    """One line of text, no NUL or lone surrogates (PostgreSQL cannot store them)."""
    return _clean(" ".join(str(value).split()))


def _clean(text: str) -> str:
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _obj(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str) and v) if isinstance(value, list) else ()
