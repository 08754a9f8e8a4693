"""``ses_sandbox``: the local SES endpoint (rate limit, mailbox simulator) in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mailer.sandbox import SESSandbox
from mailer.sandbox.foreground import add_arguments, build, serve

DEFAULT_FEEDBACK_URL = "http://127.0.0.1:8000/mail/bouncy/"


class Command(BaseCommand):
    help = (
        "Run a local SES endpoint (rate limit, daily quota, mailbox simulator) whose simulator "
        "feedback is POSTed, signed like SNS, to --feedback-url. Stop it with Ctrl-C."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser, feedback_url=DEFAULT_FEEDBACK_URL)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(build(options), self.announce)
        self.stdout.write("SES sandbox stopped.")

    def announce(self, box: SESSandbox) -> None:
        """Print the URL, where feedback goes, and the settings that point Mailroom here."""
        feedback = box.feedback.config.url or "nowhere (no --feedback-url)"
        lines = [
            f"SES sandbox on {box.url}  (what it received: {box.url}/_sandbox/)",
            f"Mailbox simulator feedback: POSTed to {feedback}, topic {box.topic_arn}",
            "Point Mailroom at it (the certificate host is trusted only with DEBUG on):",
            "  export DEBUG=1 AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox",
            *(f"  export {name}={value}" for name, value in box.environment().items()),
            "Ctrl-C to stop.",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
