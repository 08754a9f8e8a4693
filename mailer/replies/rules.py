"""Pure: whether a received message may get an automatic answer (RFC 3834), and why not.

Each rule returns None (no objection) or the reason in words, which the admin shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Protocol

from bouncy.inbound import Verdict, VerdictStatus

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
# RFC 2369 / RFC 2919 list headers: mail from a list is never answered.
LIST_HEADERS = (
    "list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-owner",
    "list-archive",
)  # fmt: skip
# Local parts of senders that are programs, not people (RFC 3834 §2: "MAILER-DAEMON", lists).
AUTOMATON = re.compile(
    r"(mailer-?daemon|postmaster|no-?reply|do-?not-?reply|donotreply|bounces?|listserv|majordomo"
    r"|owner-.*|.*-owner|.*-request|.*-bounces?|auto-?reply|autoresponder|notifications?)(\+.*)?",
    re.IGNORECASE,
)
# Microsoft's and others' markers of generated mail, besides Auto-Submitted.
SUPPRESS_VALUES = frozenset({"all", "autoreply", "oof"})


class Received(Protocol):
    """What the rules read of a received message (bouncy's ReceivedMessage)."""

    return_path: str
    from_address: str
    spam_verdict: str
    virus_verdict: str

    def header_values(self, name: str) -> list[str]: ...


def verdict(message: Received) -> str | None:
    """SES's spam or virus scan failed it."""
    for name, status in ((Verdict.SPAM, message.spam_verdict),
                         (Verdict.VIRUS, message.virus_verdict)):  # fmt: skip
        if status.upper() == VerdictStatus.FAIL:
            return f"SES's {name} verdict is FAIL"
    return None


def automatic(message: Received) -> str | None:
    """The message says it is automatic (Auto-Submitted, Precedence, list headers, reports)."""
    for value in message.header_values("Auto-Submitted"):
        if value.split(";")[0].strip().lower() != "no":
            return f"Auto-Submitted: {value}"
    for value in message.header_values("Precedence"):
        if value.strip().lower() in BULK_PRECEDENCE:
            return f"Precedence: {value}"
    for name in LIST_HEADERS:
        if message.header_values(name):
            return f"it has a {name} header (mailing list)"
    return _generated(message)


def _generated(message: Received) -> str | None:
    for value in message.header_values("X-Auto-Response-Suppress"):
        if SUPPRESS_VALUES & {part.strip().lower() for part in value.split(",")}:
            return f"X-Auto-Response-Suppress: {value}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if message.header_values(name):
            return f"it has an {name} header"
    content_type = " ".join(message.header_values("Content-Type")).lower()
    if content_type.startswith("multipart/report"):
        return "it is a delivery or read report (multipart/report)"
    return None


def sender(message: Received, own: Collection[str]) -> str | None:
    """The sender is empty, a program (MAILER-DAEMON, no-reply, …) or one of our addresses."""
    return_path = message.return_path.strip().strip("<>")
    if not return_path:
        return "the envelope sender is empty (a bounce or report)"
    for address in (return_path, message.from_address):
        local = address.rpartition("@")[0]
        if local and AUTOMATON.fullmatch(local):
            return f"the sender {address} is a program, not a person"
        if address.lower() in own:
            return f"the sender {address} is one of Mailroom's own reply addresses"
    return None


def objection(message: Received, own: Collection[str]) -> tuple[str, str] | None:
    """The first rule that forbids an answer: (rule name, reason), or None."""
    checks: tuple[tuple[str, Callable[[], str | None]], ...] = (
        ("verdict", lambda: verdict(message)),
        ("automatic", lambda: automatic(message)),
        ("sender", lambda: sender(message, own)),
    )
    for name, check in checks:
        reason = check()
        if reason:
            return name, reason
    return None
