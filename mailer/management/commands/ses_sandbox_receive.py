"""``ses_sandbox_receive FILE.eml``: a running sandbox receives the message as SES would and
POSTs the signed ``Received`` notification to its feedback URL (the webhook)."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bouncy.inbound import ReceiptAction, Verdict, VerdictStatus

# What a real receipt says (PROCESSING_FAILED is SES's trouble, not a message's).
STATUSES = (VerdictStatus.PASS, VerdictStatus.FAIL, VerdictStatus.GRAY)


class Command(BaseCommand):
    help = (
        "Deliver FILE (a MIME message, - for stdin) to a running ses_sandbox as received mail: "
        "it publishes SES's Received notification (receipt rule SNS or S3 action) to the webhook."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The message (.eml), or - to read standard input.")
        parser.add_argument("--sandbox", help="The sandbox URL (default AWS_SES_ENDPOINT_URL).")
        parser.add_argument("--to", action="append", default=[], help="Envelope recipient "
                            "(repeatable; default: the To and Cc addresses).")  # fmt: skip
        parser.add_argument(
            "--from",
            dest="sender",
            default="",
            help="Envelope sender (default: the From address; <> for none).",
        )
        for name in Verdict:
            parser.add_argument(f"--{name}", choices=STATUSES, default=VerdictStatus.PASS,
                                help=f"SES's {name} verdict.")  # fmt: skip
        parser.add_argument("--encoding", choices=("BASE64", "UTF8"), default="BASE64")
        parser.add_argument(
            "--action",
            choices=tuple(ReceiptAction),
            default=ReceiptAction.SNS,
            help="S3: the message is stored in the sandbox's bucket, not inline.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = (options["sandbox"] or settings.AWS_SES_ENDPOINT_URL or "").rstrip("/")
        if not url:
            raise CommandError("Give --sandbox URL (or set AWS_SES_ENDPOINT_URL).")
        spec = {
            "raw": _read(options["file"]).decode("utf-8", "replace"),
            "recipients": options["to"],
            "sender": options["sender"],
            "verdicts": {name: options[name] for name in Verdict},
            "encoding": options["encoding"],
            "action": options["action"],
        }
        answer = _post(f"{url}/_sandbox/inbound", spec)
        self.stdout.write(
            f"received as SES message {answer['ses_message_id']}; SNS message "
            f"{answer['sns_message_id']} published to {answer['url'] or '(no feedback URL)'}"
        )


def _read(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror}") from None


def _post(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(spec).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.load(response)  # the sandbox answers a JSON object
            return answer
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
        raise CommandError(f"the sandbox refused the message: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CommandError(f"cannot reach the sandbox at {url}: {exc}") from None
