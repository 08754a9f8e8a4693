"""``mailer_ses_suppressions pull [--since DATE] [--full]`` / ``push`` / ``remove``: sync with
SES's account-level suppression list by hand (beat does it every few minutes)."""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import UTC, date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from mailer.conf import get_suppression_settings
from mailer.exceptions import SESError
from mailer.suppression.ses_sync import pull, push, removal
from mailer.suppression.ses_sync.pull import PullResult
from mailer.suppression.ses_sync.push import PushResult
from mailer.suppression.ses_sync.removal import RemovalResult


class Command(BaseCommand):
    help = "Sync Mailroom's suppression list with SES's account-level suppression list."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{pull,push,remove}")
        reading = actions.add_parser("pull", help="Import SES's list (incremental by default).")
        reading.add_argument(
            "--since",
            type=since_date,
            help="Only entries SES updated on or after DATE (YYYY-MM-DD or ISO date-time).",
        )
        reading.add_argument("--full", action="store_true", help="Read the whole list.")
        actions.add_parser("push", help="Add Mailroom's own suppressions to SES's list.")
        actions.add_parser("remove", help="Retry the removals at SES still pending.")

    def handle(self, *args: str, action: str, **options: Any) -> None:
        try:
            result = self._run(action, options)
        except SESError as exc:
            raise CommandError(f"{action} stopped: {exc} (recorded; beat tries again)") from exc
        self.stdout.write(result.summary())
        failed = getattr(result, "failed", None) or getattr(result, "errors", None)
        for line in failed or []:
            self.stderr.write(f"  {line}")
        if failed:
            raise CommandError(f"{len(failed)} addresses failed (kept, retried later).")

    def _run(self, action: str, options: dict[str, Any]) -> PullResult | PushResult | RemovalResult:
        if action == "pull":
            return pull.pull(options["since"], full=options["full"])
        if action == "push":
            if not get_suppression_settings().ses_push:
                self.stdout.write("MAILROOM_SES_SUPPRESSION_PUSH is off: beat will not push.")
            return push.push()
        return removal.run_due(timezone.now())


def since_date(value: str) -> datetime:
    """A date (midnight UTC) or an ISO date-time (UTC if it has no offset)."""
    try:
        moment = parse_datetime(value) or _midnight(parse_date(value))
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"not a date: {value!r} (use YYYY-MM-DD or an ISO date-time)"
        ) from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _midnight(day: date | None) -> datetime:
    if day is None:
        raise ValueError("no date")
    return datetime.combine(day, time.min)
