"""Pure: SES feedback JSON (notificationType or eventType format) → typed, frozen records."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bouncy import inbound
from bouncy.exceptions import SesParseError
from bouncy.inbound import RECEIVED, ReceivedMail


class FeedbackType(StrEnum):
    """SES's feedback types: a bounce's, complaint's or delivery's notificationType (and
    eventType), and the ``<type>Topic`` an identity sends each to."""

    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    DELIVERY = "Delivery"


NOTIFICATION_FORMAT, EVENT_FORMAT = "notification", "event"
# The key of the type-specific object for each event publishing eventType.
_DETAIL_KEYS = {
    FeedbackType.BOUNCE: "bounce", FeedbackType.COMPLAINT: "complaint",
    FeedbackType.DELIVERY: "delivery", "Send": "send",
    "Reject": "reject", "Open": "open", "Click": "click", "Rendering Failure": "failure",
    "DeliveryDelay": "deliveryDelay", "Subscription": "subscription",
}
KNOWN_TYPES = frozenset(_DETAIL_KEYS) | {"AmazonSnsSubscriptionSucceeded", RECEIVED}
_HARD_STATUS = re.compile(r"5\.\d{1,3}\.\d{1,3}")
_SHORT = 64


@dataclass(frozen=True)
class Mail:
    """The ``mail`` object: which sent message this is about."""

    message_id: str = ""
    destination: tuple[str, ...] = ()
    source: str = ""
    timestamp: datetime | None = None


@dataclass(frozen=True)
class BounceRecord:
    address: str
    bounce_type: str
    bounce_subtype: str
    hard: bool
    action: str
    status: str
    diagnostic_code: str
    reporting_mta: str
    feedback_id: str
    timestamp: datetime


@dataclass(frozen=True)
class ComplaintRecord:
    address: str
    feedback_type: str
    complaint_subtype: str
    user_agent: str
    arrival_date: datetime | None
    feedback_id: str
    timestamp: datetime


@dataclass(frozen=True)
class DeliveryRecord:
    address: str
    processing_time_millis: int | None
    smtp_response: str
    reporting_mta: str
    timestamp: datetime


@dataclass(frozen=True)
class OtherEvent:
    """Any other type (Send, Open, Click, …, and types SES adds later)."""

    event_type: str
    addresses: tuple[str, ...]
    data: dict[str, Any]
    timestamp: datetime


@dataclass(frozen=True)
class SesContent:
    """One SES message: its kind, format, mail and the per-recipient records."""

    kind: str
    format: str
    mail: Mail
    bounces: tuple[BounceRecord, ...] = ()
    complaints: tuple[ComplaintRecord, ...] = ()
    deliveries: tuple[DeliveryRecord, ...] = ()
    others: tuple[OtherEvent, ...] = ()
    received: ReceivedMail | None = None

    @property
    def row_count(self) -> int:
        """How many rows storing this makes (one per recipient, one per other event or mail)."""
        feedback = len(self.bounces) + len(self.complaints) + len(self.deliveries)
        return feedback + len(self.others) + (self.received is not None)


def parse(message: str, *, received: datetime) -> SesContent:
    """Parse SES's SNS ``Message``; ``received`` (SNS Timestamp) stands in for missing times."""
    doc = _load(message)
    kind, fmt = _kind(doc)
    mail = _mail(_obj(doc, "mail"))
    if kind == RECEIVED and fmt == NOTIFICATION_FORMAT:
        return SesContent(kind, fmt, mail, received=inbound.parse(doc, mail.timestamp or received))
    detail = _detail(doc, kind)
    when = _time(detail.get("timestamp")) or mail.timestamp or received
    content = SesContent(kind=kind, format=fmt, mail=mail)
    if kind == FeedbackType.BOUNCE:
        return replace(content, bounces=_bounces(detail, when))
    if kind == FeedbackType.COMPLAINT:
        return replace(content, complaints=_complaints(detail, when))
    if kind == FeedbackType.DELIVERY:
        return replace(content, deliveries=_deliveries(detail, when))
    return replace(content, others=(OtherEvent(kind, mail.destination, detail, when),))


def is_hard(bounce_type: str, status: str) -> bool:
    """Permanent bounces, and 5.x.x per-recipient statuses even when labelled Transient."""
    if bounce_type == "Undetermined":
        return False
    return bounce_type == "Permanent" or bool(_HARD_STATUS.fullmatch(status))


# --- the document -----------------------------------------------------------------------------

def _load(message: str) -> dict[str, Any]:
    try:
        doc = json.loads(message, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise SesParseError("Message is not JSON") from None
    if not isinstance(doc, dict):
        raise SesParseError("Message is not a JSON object")
    return _clean(doc) if "\\u" in message else doc


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON and jsonb refuses them: read them as null."""
    return None


def _kind(doc: dict[str, Any]) -> tuple[str, str]:
    for key, fmt in (("notificationType", NOTIFICATION_FORMAT), ("eventType", EVENT_FORMAT)):
        value = doc.get(key)
        if isinstance(value, str) and value:
            return value[:_SHORT], fmt
    raise SesParseError("Message has neither notificationType nor eventType")


def _detail(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """The type-specific object; for an unknown type, everything but the type and mail."""
    key = _DETAIL_KEYS.get(kind) or kind[:1].lower() + kind[1:].replace(" ", "")
    detail = doc.get(key)
    if isinstance(detail, dict):
        return detail
    return {k: v for k, v in doc.items() if k not in ("notificationType", "eventType", "mail")}


def _mail(raw: dict[str, Any]) -> Mail:
    return Mail(
        message_id=_str(raw, "messageId"),
        destination=_addresses(raw.get("destination")),
        source=_str(raw, "source"),
        timestamp=_time(raw.get("timestamp")),
    )


# --- per-recipient records --------------------------------------------------------------------

def _bounces(detail: dict[str, Any], when: datetime) -> tuple[BounceRecord, ...]:
    bounce_type = _str(detail, "bounceType", _SHORT)
    return tuple(
        BounceRecord(
            address=address,
            bounce_type=bounce_type,
            bounce_subtype=_str(detail, "bounceSubType", _SHORT),
            hard=is_hard(bounce_type, _str(item, "status")),
            action=_str(item, "action", _SHORT),
            status=_str(item, "status", _SHORT),
            diagnostic_code=_str(item, "diagnosticCode"),
            reporting_mta=_str(detail, "reportingMTA"),
            feedback_id=_str(detail, "feedbackId"),
            timestamp=when,
        )
        for address, item in _recipients(detail, "bouncedRecipients")
    )


def _complaints(detail: dict[str, Any], when: datetime) -> tuple[ComplaintRecord, ...]:
    return tuple(
        ComplaintRecord(
            address=address,
            feedback_type=_str(detail, "complaintFeedbackType", _SHORT),
            complaint_subtype=_str(detail, "complaintSubType", _SHORT),
            user_agent=_str(detail, "userAgent"),
            arrival_date=_time(detail.get("arrivalDate")),
            feedback_id=_str(detail, "feedbackId"),
            timestamp=when,
        )
        for address, _item in _recipients(detail, "complainedRecipients")
    )


def _deliveries(detail: dict[str, Any], when: datetime) -> tuple[DeliveryRecord, ...]:
    millis = detail.get("processingTimeMillis")
    return tuple(
        DeliveryRecord(
            address=address,
            processing_time_millis=_millis(millis),
            smtp_response=_str(detail, "smtpResponse"),
            reporting_mta=_str(detail, "reportingMTA"),
            timestamp=when,
        )
        for address in _addresses(detail.get("recipients"))
    )


def _recipients(detail: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
    """(emailAddress, entry) for each well-formed entry of a recipients list."""
    items = detail.get(key)
    if not isinstance(items, list):
        return []
    entries = [item for item in items if isinstance(item, dict)]
    return [(_str(item, "emailAddress"), item) for item in entries if _str(item, "emailAddress")]


# --- values -----------------------------------------------------------------------------------

def _obj(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _str(doc: dict[str, Any], key: str, limit: int | None = None) -> str:
    value = doc.get(key)
    text = value if isinstance(value, str) else ""
    return text[:limit] if limit else text


def _addresses(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str) and item)


def _millis(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < 2**63 else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and 2000 <= moment.year <= 9998 else None


def _clean(value: Any) -> Any:
    """Drop NUL and lone surrogates, which PostgreSQL text and jsonb cannot hold."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value
