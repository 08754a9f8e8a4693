"""SES feedback JSON in the real formats (notificationType, eventType) for simulator outcomes."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formataddr, getaddresses, parseaddr
from typing import Any

from bouncy.events import FeedbackType

from .simulator import Outcome

ACCOUNT_ID = "123456789012"
CALLER = "mailroom-sandbox"
SOURCE_IP = "127.0.0.1"
REMOTE_MTA_IP = "127.0.2.0"
SES_MTA = "a8-70.smtp-out.amazonses.com"
SUPPRESSED_DIAGNOSTIC = (
    "Amazon SES did not send the message to this address because it is on the suppression"
    " list for your account. For more information about removing addresses from the"
    " suppression list, see the Amazon SES Developer Guide at"
    " https://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppression-list.html"
)
_ADDRESS_LISTS = {"from": "from", "reply-to": "replyTo", "to": "to", "cc": "cc", "bcc": "bcc"}
_SINGLE = {"return-path": "returnPath", "date": "date", "subject": "subject", "sender": "sender"}


@dataclass(frozen=True)
class SentMail:
    """What SES remembers about an accepted message."""

    message_id: str
    source: str
    destination: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    sent_at: float
    region: str
    configuration_set: str | None = None

    @property
    def from_domain(self) -> str:
        return parseaddr(self.source)[1].rpartition("@")[2].lower()


def iso(moment: float) -> str:
    """SES's timestamp format: ISO 8601 UTC with milliseconds and a Z."""
    when = datetime.fromtimestamp(moment, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def feedback_id() -> str:
    """An id shaped like SES's feedbackId."""
    return f"{int(time.time() * 1000):016x}-{uuid.uuid4()}-000000"


def ses_message(outcome: Outcome, mail: SentMail, now: float, event_format: bool) -> dict[str, Any]:
    """The SES JSON for one outcome: notification format, or event publishing format."""
    kind = outcome.scenario.kind
    type_key = "eventType" if event_format else "notificationType"
    detail = _DETAILS[kind](outcome, mail, now)
    return {type_key: kind, kind.lower(): detail, "mail": mail_object(mail, event_format, kind)}


def _bounce(outcome: Outcome, mail: SentMail, now: float) -> dict[str, Any]:
    suppressed = outcome.scenario.bounce_sub_type == "OnAccountSuppressionList"
    diagnostic = SUPPRESSED_DIAGNOSTIC if suppressed else "smtp; 550 5.1.1 user unknown"
    bounce: dict[str, Any] = {
        "feedbackId": feedback_id(),
        "bounceType": "Permanent",
        "bounceSubType": outcome.scenario.bounce_sub_type,
        "bouncedRecipients": [
            {"emailAddress": a, "action": "failed", "status": "5.1.1", "diagnosticCode": diagnostic}
            for a in outcome.recipients
        ],
        "timestamp": iso(now),
        "reportingMTA": "dns; amazonses.com" if suppressed else f"dsn; {SES_MTA}",
    }
    if not suppressed:
        bounce["remoteMtaIp"] = REMOTE_MTA_IP
    return bounce


def _complaint(outcome: Outcome, mail: SentMail, now: float) -> dict[str, Any]:
    return {
        "feedbackId": feedback_id(),
        "complaintSubType": None,
        "complainedRecipients": [{"emailAddress": address} for address in outcome.recipients],
        "timestamp": iso(now),
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": iso(now),
    }


def _delivery(outcome: Outcome, mail: SentMail, now: float) -> dict[str, Any]:
    return {
        "timestamp": iso(now),
        "processingTimeMillis": max(0, int((now - mail.sent_at) * 1000)),
        "recipients": list(outcome.recipients),
        "smtpResponse": "250 2.6.0 Message received",
        "remoteMtaIp": REMOTE_MTA_IP,
        "reportingMTA": SES_MTA,
    }


_DETAILS = {
    FeedbackType.BOUNCE: _bounce,
    FeedbackType.COMPLAINT: _complaint,
    FeedbackType.DELIVERY: _delivery,
}


def mail_object(mail: SentMail, event_format: bool, kind: FeedbackType) -> dict[str, Any]:
    """The `mail` object: the SES messageId, source, destination, headers, commonHeaders."""
    headers = [(n, v) for n, v in mail.headers if not n.lower().startswith("x-ses-")]
    result: dict[str, Any] = {
        "timestamp": iso(mail.sent_at),
        "source": mail.source,
        "sourceArn": f"arn:aws:ses:{mail.region}:{ACCOUNT_ID}:identity/{mail.from_domain}",
        "sourceIp": SOURCE_IP,
        "sendingAccountId": ACCOUNT_ID,
        "callerIdentity": CALLER,
        "messageId": mail.message_id,
        "destination": list(mail.destination),
        "headersTruncated": False,
        "headers": [{"name": name, "value": value} for name, value in headers],
        "commonHeaders": common_headers(headers, mail.message_id),
    }
    if event_format:
        result["tags"] = _tags(mail, kind)
    return result


def common_headers(headers: list[tuple[str, str]], message_id: str) -> dict[str, Any]:
    """SES's commonHeaders: address lists split per address, single values as found."""
    common: dict[str, Any] = {}
    for name, value in headers:
        key = name.lower()
        if key in _ADDRESS_LISTS:
            found = [formataddr(pair) for pair in getaddresses([value]) if pair[1]]
            common.setdefault(_ADDRESS_LISTS[key], []).extend(found)
        elif key in _SINGLE:
            common.setdefault(_SINGLE[key], value)
        elif key == "message-id":
            common.setdefault("messageId", value)
    common.setdefault("messageId", message_id)
    return common


def _tags(mail: SentMail, kind: FeedbackType) -> dict[str, list[str]]:
    tags = {
        "ses:configuration-set": [mail.configuration_set or ""],
        "ses:source-ip": [SOURCE_IP],
        "ses:from-domain": [mail.from_domain],
        "ses:caller-identity": [CALLER],
    }
    if kind == FeedbackType.DELIVERY:
        tags["ses:outgoing-ip"] = [REMOTE_MTA_IP]
    return tags
