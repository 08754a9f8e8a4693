"""Optional: forward each received reply to MAILROOM_REPLIES_FORWARD_TO, the original attached."""

from __future__ import annotations

from django.core.files.base import ContentFile
from post_office import mail
from post_office.models import Email

from bouncy.models import ReceivedMessage
from mailer.replies import rules
from mailer.replies.answering import TRANSACTIONAL, NotQueued

ORIGINAL_NAME = "original.eml"


def loop_reason(message: ReceivedMessage, target: str) -> str | None:
    """Why forwarding this message to ``target`` could loop (or is not wanted), else None."""
    if rules.verdict(message):
        return rules.verdict(message)
    senders = {message.return_path.strip("<>").lower(), message.from_address.lower()}
    if target in senders:
        return f"it came from {target} itself"
    if target in {r.lower() for r in message.recipients}:
        return f"{target} received it already"
    if message.header_values("X-Mailroom-Forwarded"):
        return "it is a forward Mailroom made"
    return None


def forward(message: ReceivedMessage, target: str, sender: str) -> Email:
    """Queue a new transactional message to ``target`` about ``message``."""
    headers = {"Auto-Submitted": "auto-generated", "X-Mailroom-Forwarded": "1"}
    if message.from_header:
        headers["Reply-To"] = message.from_header
    raw = bytes(message.raw) if message.raw is not None else None
    original = {"file": ContentFile(raw), "mimetype": "message/rfc822"} if raw else None
    try:
        return mail.send(
            recipients=[target], sender=sender, subject=f"Fwd: {message.subject}".strip(),
            message=_body(message), headers=headers, priority=TRANSACTIONAL,
            attachments={ORIGINAL_NAME: original} if original else None,
        )  # fmt: skip
    except Exception as exc:  # post_office raises ValidationError, or OSError saving the file
        raise NotQueued(f"post_office refused the forward: {exc}") from exc


def _body(message: ReceivedMessage) -> str:
    where = "attached" if message.raw is not None else "kept in S3 (see the admin)"
    return (
        f"A reply arrived at {', '.join(message.recipients)}.\n\n"
        f"From: {message.from_header}\nDate: {message.timestamp:%Y-%m-%d %H:%M:%S %Z}\n"
        f"Subject: {message.subject}\n\nThe original message is {where}.\n\n{message.text}"
    )
