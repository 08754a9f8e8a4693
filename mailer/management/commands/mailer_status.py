"""``mailer_status [--json]``: the queue's counts per state, the send rate, reputation and the
sync with SES's suppression list."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mailer.replies import status as replies_status
from mailer.reputation import status as reputation_status
from mailer.sending.status import policy_lines, queue_counts
from mailer.suppression.ses_sync import status as ses_sync_status

# The text output's sections: each JSON key with what it means (--json keeps the keys).
SECTIONS = {
    "Emails": {
        "queued": "queued",
        "sending": "sending (claimed by a worker)",
        "sent": "sent",
        "failed": "failed",
        "suppressed": "suppressed (every recipient on the list)",
        "scheduled": "scheduled for later",
        "queued_transactional": "queued, transactional",
        "queued_bulk": "queued, bulk",
        "held": "held, bulk (paused campaigns)",
        "possible_duplicates": "possible duplicates",
        "oldest_queued_age_seconds": "oldest queued (seconds)",
        "feedback_unlinked": "feedback with no email found",
    },
    "Sending": {
        "paused": "account paused (quota or errors)",
        "paused_until": "paused until",
        "pause_reason": "pause reason",
        "send_rate": "workers pace at (recipients/s)",
    },
    "SES answers counted by the workers": {
        "ses_accepted": "accepted",
        "ses_throttled": "throttled (retried)",
        "ses_daily_quota": "daily quota exceeded (retried)",
        "ses_transient": "transient errors (retried)",
        "ses_rejected": "rejected",
        "ses_released": "released back to the queue",
    },
}


class Command(BaseCommand):
    help = (
        "Show how many emails are queued, sending, sent, failed and suppressed, the retry "
        "policy and any sending pause."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = queue_counts()
        reputation = reputation_status.summary()
        ses_suppression = ses_sync_status.summary()
        replies = replies_status.today()
        if options["json"]:
            facts = {
                **counts,
                "reputation": reputation,
                "ses_suppression": ses_suppression,
                "replies": replies,
            }
            self.stdout.write(json.dumps(facts, sort_keys=True))
            return
        for line in text_lines(counts):
            self.stdout.write(line)
        for line in policy_lines(counts):
            self.stdout.write(line)
        lines = [
            *reputation_status.lines(reputation),
            *ses_sync_status.lines(ses_suppression),
            *replies_status.lines(replies),
        ]
        for line in lines:
            self.stdout.write(line)


def text_lines(counts: dict[str, Any]) -> list[str]:
    """Each section's figures under their labels; keys no section names come last, as is."""
    named = {key for labels in SECTIONS.values() for key in labels}
    sections = {**SECTIONS, "Other": {k: k for k in counts if k not in named}}
    width = max(len(label) for labels in sections.values() for label in labels.values())
    out = []
    for title, labels in sections.items():
        rows = [(label, _text(key, counts[key])) for key, label in labels.items() if key in counts]
        if rows:
            out.append(title)
            out += [f"  {label:<{width}}  {value}" for label, value in rows]
    return out


def _text(key: str, value: object) -> str:
    if key == "paused" and value in (0, 1):
        return "yes" if value else "no"
    return "-" if value is None else str(value)
