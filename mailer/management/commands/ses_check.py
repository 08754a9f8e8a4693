"""``ses_check``: check the SES/SNS account setup and say in words what is wrong (exit 1 if so)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mailer.aws.ses_check import checks
from mailer.aws.ses_check.report import PROBLEM


class Command(BaseCommand):
    help = (
        "Check the SES account Mailroom uses: credentials, region, quota, sender identity, "
        "bounce/complaint topics, BOUNCY_TOPIC_ARN and the webhook subscription."
    )

    def handle(self, *args: object, **options: object) -> None:
        findings = checks.run()
        for finding in findings:
            self.stdout.write(str(finding))
        problems = sum(finding.status == PROBLEM for finding in findings)
        if problems:
            raise CommandError(f"{problems} problem(s) to fix.", returncode=1)
        self.stdout.write("Everything Mailroom needs from SES and SNS is in place.")
