"""bouncy_confirm_subscription: list or confirm SNS subscriptions waiting for confirmation."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bouncy import subscriptions
from bouncy.exceptions import BouncyError
from bouncy.models import Notification


class Command(BaseCommand):
    help = ("Without arguments, list pending SNS subscription confirmations; with an id (as "
            "listed) or a topic ARN, confirm it by fetching its SubscribeURL.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", nargs="?", metavar="ID|TOPIC_ARN")

    def handle(self, *args: object, target: str | None, **options: object) -> None:
        if not target:
            self._list()
            return
        notification = self._find(target)
        try:
            arn = subscriptions.confirm(notification)
        except BouncyError as exc:
            raise CommandError(f"not confirmed: {exc}") from None
        self.stdout.write(f"confirmed {notification.topic_arn} {arn}".rstrip())

    def _list(self) -> None:
        rows = subscriptions.pending().order_by("-received_at")
        for row in rows:
            self.stdout.write(f"{row.pk}\t{row.received_at:%Y-%m-%d %H:%M}\t{row.topic_arn}\t"
                              f"{row.subscribe_url}")
        if not rows:
            self.stdout.write("no subscription awaits confirmation")

    def _find(self, target: str) -> Notification:
        pending = subscriptions.pending()
        found = (pending.filter(pk=int(target)) if target.isdigit()
                 else pending.filter(topic_arn=target)).order_by("-received_at").first()
        if found is None:
            raise CommandError(f"no pending subscription confirmation for {target}")
        return found
