"""Cheap MIME work: read only the header block of raw mail, build mail for simple sends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_CONFIG_HEADER = "x-ses-configuration-set"
_WANTED = frozenset({"from", "to", "cc", "bcc", "subject", _CONFIG_HEADER})
_NOT_PLAIN = frozenset('"<>()[]:;\\')


@dataclass(frozen=True)
class HeaderSummary:
    """The envelope facts found in a raw message's headers."""

    sender: str | None
    recipients: list[str]
    subject: str
    configuration_set: str | None = None


def header_block(raw: bytes) -> bytes:
    """The bytes before the first blank line (the body is never parsed)."""
    found = _BLANK_LINE.search(raw)
    return raw[: found.start()] if found else raw


def headers_of(raw: bytes) -> dict[str, list[str]]:
    """The unfolded From/To/Cc/Bcc/Subject/X-SES-Configuration-Set values, by lower-case name."""
    found: dict[str, list[str]] = {}
    for line in _FOLD.sub(b"", header_block(raw)).splitlines():
        name, colon, value = line.partition(b":")
        key = name.strip().decode("latin-1").lower()
        if colon and key in _WANTED:
            found.setdefault(key, []).append(value.strip().decode("utf-8", "replace"))
    return found


def header_fields(raw: bytes) -> list[tuple[str, str]]:
    """Every header as (name, unfolded value), in order (for SES's `mail.headers`)."""
    fields = []
    for line in _FOLD.sub(b"", header_block(raw)).splitlines():
        name, colon, value = line.partition(b":")
        if colon and name.strip():
            text = value.strip().decode("utf-8", "replace")
            fields.append((name.strip().decode("latin-1"), text))
    return fields


def addresses(values: list[str]) -> list[str]:
    """The addr-specs in address header values (a fast path for bare address lists)."""
    if not any(_NOT_PLAIN.intersection(value) for value in values):
        return [part.strip() for value in values for part in value.split(",") if part.strip()]
    return [address for _, address in getaddresses(values) if address]


def summarize(raw: bytes) -> HeaderSummary:
    """Sender (From), recipients (To, Cc, Bcc), decoded Subject and configuration set header."""
    headers = headers_of(raw)
    recipients = addresses([v for name in ("to", "cc", "bcc") for v in headers.get(name, [])])
    senders = addresses(headers.get("from", [])[:1])
    subject = headers.get("subject", [None])[0]
    config = headers.get(_CONFIG_HEADER, [None])[0]
    sender = senders[0] if senders else None
    return HeaderSummary(sender, recipients, decode_subject(subject), config or None)


def decode_subject(value: str | None) -> str:
    """An RFC 2047-decoded Subject header ("" when absent)."""
    if not value:
        return ""
    return str(make_header(decode_header(value))) if "=?" in value else value


def build_simple(
    source: str,
    to: list[str],
    cc: list[str],
    reply_to: list[str],
    subject: str,
    text: str | None,
    html: str | None,
) -> bytes:
    """The MIME message SES would build for a simple (non-raw) send; Bcc is left out."""
    message = EmailMessage()
    message["From"] = source
    for name, values in (("To", to), ("Cc", cc), ("Reply-To", reply_to)):
        if values:
            message[name] = ", ".join(values)
    message["Subject"] = subject
    if text is None and html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text or "")
        if html is not None:
            message.add_alternative(html, subtype="html")
    return message.as_bytes()
