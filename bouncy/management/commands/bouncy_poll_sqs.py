"""bouncy_poll_sqs: long-poll an SQS queue subscribed to the SES feedback topic."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bouncy.exceptions import SqsError
from bouncy.polling import PollCounts, poll_once
from bouncy.sqs import Queue


class Command(BaseCommand):
    help = ("Long-poll SQS for SNS-wrapped SES notifications; each is verified and stored like a "
            "webhook POST, then deleted. Rejected messages stay for the queue's redrive policy.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-url", required=True, metavar="URL")
        parser.add_argument("--endpoint-url", metavar="URL",
                            help="another SQS endpoint (tests); AWS_ENDPOINT_URL_SQS works too")
        parser.add_argument("--region", help="default: the region in the queue URL")
        parser.add_argument("--wait-seconds", type=int, default=20, choices=range(21),
                            metavar="0-20", help="long-poll wait per receive (default 20)")
        parser.add_argument("--max-messages", type=int, default=10, choices=range(1, 11),
                            metavar="1-10", help="messages per receive (default 10)")
        parser.add_argument("--once", action="store_true", help="one receive, then exit")

    def handle(self, *args: object, **options: object) -> None:
        queue = Queue(
            str(options["queue_url"]),
            endpoint_url=_optional(options["endpoint_url"]),
            region=_optional(options["region"]),
        )
        total = PollCounts()
        try:
            self._loop(queue, total, options)
        except KeyboardInterrupt:
            self.stderr.write("interrupted")
        except SqsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"stored {total.stored}, duplicate {total.duplicate}, "
                          f"rejected {total.rejected}, failed {total.failed}")

    def _loop(self, queue: Queue, total: PollCounts, options: dict[str, Any]) -> None:
        while True:
            total.add(poll_once(queue, max_messages=options["max_messages"],
                                wait_seconds=options["wait_seconds"]))
            if options["once"]:
                return


def _optional(value: object) -> str | None:
    return str(value) if value else None
