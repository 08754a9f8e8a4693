"""Pure: the SNS message envelope (JSON body) → a typed SnsMessage, and its string to sign.

``string_to_sign`` and ``SIGNATURE_HASHES`` are the one definition of what SNS signs and how:
bouncy verifies with them and Mailroom's local SNS (``mailer.sandbox``) signs with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import hashes

from bouncy.exceptions import MalformedMessage, UnsupportedMessageType, shown


class MessageType(StrEnum):
    """An SNS message's ``Type`` (also ``bouncy.models.Notification.Type``)."""

    NOTIFICATION = "Notification"
    SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
    UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"


_COMMON = ("Type", "MessageId", "TopicArn", "Message", "Timestamp",
           "SignatureVersion", "Signature", "SigningCertURL")
_REQUIRED: dict[str, tuple[str, ...]] = {
    MessageType.NOTIFICATION: _COMMON,
    MessageType.SUBSCRIPTION_CONFIRMATION: (*_COMMON, "SubscribeURL", "Token"),
    MessageType.UNSUBSCRIBE_CONFIRMATION: (*_COMMON, "SubscribeURL", "Token"),
}
# The keys SNS signs, in the order it signs them (absent optional keys are skipped).
_CONFIRMATION_SIGNED = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                        "TopicArn", "Type")
SIGNED_KEYS: dict[str, tuple[str, ...]] = {
    MessageType.NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    MessageType.SUBSCRIPTION_CONFIRMATION: _CONFIRMATION_SIGNED,
    MessageType.UNSUBSCRIBE_CONFIRMATION: _CONFIRMATION_SIGNED,
}
# SignatureVersion "1" is SHA1withRSA, "2" SHA256withRSA (PKCS#1 v1.5); no other exists.
SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
_SES_KEYS = ("notificationType", "eventType")


@dataclass(frozen=True)
class SnsMessage:
    """One SNS message as POSTed: the raw body and its fields, not yet verified."""

    body: str
    fields: dict[str, str]
    timestamp: datetime

    @property
    def type(self) -> str:
        return self.fields["Type"]

    @property
    def message_id(self) -> str:
        return self.fields["MessageId"]

    @property
    def topic_arn(self) -> str:
        return self.fields["TopicArn"]

    @property
    def message(self) -> str:
        return self.fields["Message"]

    @property
    def subject(self) -> str:
        return self.fields.get("Subject", "")

    @property
    def subscribe_url(self) -> str:
        """Only confirmations carry a (signed) SubscribeURL; a Notification's is ignored."""
        return "" if self.type == MessageType.NOTIFICATION else self.fields["SubscribeURL"]

    @property
    def signature_version(self) -> str:
        return self.fields["SignatureVersion"]

    @property
    def signature(self) -> str:
        return self.fields["Signature"]

    @property
    def signing_cert_url(self) -> str:
        return self.fields["SigningCertURL"]

    def string_to_sign(self) -> bytes:
        """The bytes SNS signed (see ``string_to_sign``)."""
        return string_to_sign(self.fields)


def string_to_sign(fields: dict[str, str]) -> bytes:
    """The bytes SNS signs: "Key\\nValue\\n" for each present signed key of the message's Type,
    in SNS's order (AWS's "Verifying the signatures of Amazon SNS messages")."""
    keys = SIGNED_KEYS[fields["Type"]]
    parts = [f"{key}\n{fields[key]}\n" for key in keys if key in fields]
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedMessage("a signed field is not valid Unicode text") from None


def parse(body: bytes) -> SnsMessage:
    """Check that ``body`` is an SNS message of a known type with every required field."""
    text = _decode(body)
    data = _load_object(text)
    kind = data.get("Type")
    if kind not in tuple(MessageType):
        raise _type_error(data, kind)
    fields = _fields(data, _REQUIRED[kind])
    _check_line_breaks(fields, SIGNED_KEYS[kind])
    return SnsMessage(body=text, fields=fields, timestamp=_timestamp(fields["Timestamp"]))


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMessage("the body is not UTF-8 text") from None


def _load_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedMessage("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedMessage(f"the body is a JSON {type(data).__name__}, not an object")
    return data


def _type_error(data: dict[str, Any], kind: object) -> Exception:
    if "Type" not in data and any(key in data for key in _SES_KEYS):
        return MalformedMessage(
            "an SES message without its SNS envelope (turn off raw message delivery)")
    if "Type" not in data:
        return MalformedMessage("missing key 'Type'")
    return UnsupportedMessageType(f"unsupported Type {shown(kind)}")


def _fields(data: dict[str, Any], required: tuple[str, ...]) -> dict[str, str]:
    """The string fields of the envelope; required ones must be non-empty strings."""
    missing = [key for key in required if key not in data]
    if missing:
        raise MalformedMessage(f"missing key {missing[0]!r}")
    fields = {key: value for key, value in data.items() if isinstance(value, str)}
    for key in (*required, "Subject"):
        if key not in fields and (key in required or data.get(key) is not None):
            raise MalformedMessage(f"{key!r} must be a string")
        if "\x00" in fields.get(key, ""):
            raise MalformedMessage(f"{key!r} contains a NUL character")
    empty = [key for key in required if not fields[key]]
    if empty:
        raise MalformedMessage(f"{empty[0]!r} is empty")
    return fields


def _check_line_breaks(fields: dict[str, str], signed: tuple[str, ...]) -> None:
    """No signed field but ``Message`` may hold a line break.

    The string to sign is "Key\nValue\n" lines, so a value with a line break could carry
    another key: a captured notification with a Subject, its MessageId set to
    ``id + "\nSubject\n" + subject`` and Subject dropped, signs the same bytes under a new
    MessageId. SNS never puts a line break in these fields (it forbids them in Subject).
    """
    for key in signed:
        if key != "Message" and any(c in fields.get(key, "") for c in "\r\n"):
            raise MalformedMessage(f"{key!r} contains a line break")


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedMessage(f"Timestamp {shown(value)} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise MalformedMessage(f"Timestamp {shown(value)} has no time zone")
    if not 2000 <= moment.year <= 9998:
        raise MalformedMessage(f"Timestamp {shown(value)} is out of range")
    return moment
