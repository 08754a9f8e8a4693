"""``mailer_status [--json]``: the queue's counts per state, the send rate, reputation and the
sync with SES's suppression list."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from mailer.replies import status as replies_status
from mailer.reputation import status as reputation_status
from mailer.status import policy_lines, queue_counts
from mailer.suppression.ses_sync import status as ses_sync_status


class Command(BaseCommand):
    help = (
        "Show how many emails are queued, sending, sent, failed and suppressed, the retry "
        "policy and any sending pause."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options) -> None:
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
        width = max(len(name) for name in counts)
        for name, value in counts.items():
            self.stdout.write(f"{name:<{width}}  {'-' if value is None else value}")
        for line in policy_lines(counts):
            self.stdout.write(line)
        lines = [
            *reputation_status.lines(reputation),
            *ses_sync_status.lines(ses_suppression),
            *replies_status.lines(replies),
        ]
        for line in lines:
            self.stdout.write(line)
