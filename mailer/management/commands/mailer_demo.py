"""``mailer_demo``: the whole loop on embedded defaults (SQLite, embedded Redis, SES sandbox)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailer.demo import replying, scenario, stack
from mailer.suppression.ses_sync import pull

CHILD_FLAG = "MAILROOM_DEMO_CHILD"
# On SES's account-level suppression list before the demo starts; one sync brings it in.
SES_LISTED = "left-the-company@example.com"
DEFAULT_DIR = Path("var") / "demo"


class Command(BaseCommand):
    help = "Run the whole Mailroom loop locally: send, throttle, bounce back, suppress, send again."
    # The launcher has no topic or sandbox configured yet; the demo process sets both itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--successes",
            type=int,
            default=20,
            help="How many success@ simulator messages in the first round.",
        )
        stack.add_arguments(
            parser,
            default_dir=DEFAULT_DIR,
            dir_help="Folder for the demo's database, Redis data and logs (emptied first, then "
            "kept, to look at with scripts/local --dir).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if os.environ.get(CHILD_FLAG):
            self.run_demo(options["successes"])
        else:
            self.launch(options["successes"], options["rate"], options["dir"])

    def launch(self, successes: int, rate: float, folder: str) -> None:
        """Start embedded Redis, then run the demo in a process configured to use it."""
        workdir = stack.folder(folder)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        with stack.embedded_redis(workdir) as redis_url:
            env = {**os.environ, **stack.child_env(workdir, redis_url, rate), CHILD_FLAG: "1"}
            command = [sys.executable, "manage.py", "mailer_demo", "--successes", str(successes)]
            returncode = stack.run_configured(command, env)
        if returncode:
            raise CommandError("The demo did not finish; see the lines above.")

    def run_demo(self, successes: int) -> None:
        call_command("migrate", verbosity=0)
        workdir = Path(settings.DATABASES["default"]["NAME"]).parent
        self.say("Mailroom demo: SQLite, embedded Redis, the local SES sandbox, one Celery worker.")
        with stack.running_stack(workdir) as running:
            self.say(f"  SES sandbox {running.ses_url}   webhook {running.webhook_url}")
            stack.wait_for_worker(running.worker)
            self.say(f"  worker ready; the sandbox enforces {running.rate:g} recipients/s\n")
            self.sync_ses_list(running)
            first = self.round("Round 1", scenario.simulator_addresses(successes))
            self.say("\nWaiting for SES feedback through the SNS webhook ...")
            # bounce+1..3, bounce+team and suppressionlist; complaint+1..2 and complaint+bcc
            scenario.wait_for_feedback(first, expected_bounces=5, expected_complaints=3)
            self.show_suppressions()
            second = self.round("Round 2", scenario.simulator_addresses(successes))
            scenario.wait_for_feedback(second, expected_bounces=0, expected_complaints=0)
            story = self.reply(running, second)
        self.summary([first, second], story)

    def round(self, name: str, addresses: list[str]) -> scenario.Round:
        self.say(f"{name}: queueing {len(addresses) + 1} messages (send_mail returns at once) ...")
        queued = scenario.queue_round(name, addresses)
        scenario.wait_for_round(queued, lambda line: self.stdout.write(line, ending=""))
        self.stdout.write("")
        return queued

    def reply(self, running: stack.Stack, round_: scenario.Round) -> replying.ReplyStory | None:
        """A recipient replies to a notification; SES receives it and Mailroom answers kindly."""
        sent, raw = replying.reply_to(round_.email_ids)
        self.say(f'\n{sent.to[0]} replies to "{sent.subject}" (received by SES, then SNS) ...')
        running.sandbox.receive(raw)
        return replying.wait_for_answer()

    def sync_ses_list(self, running: stack.Stack) -> None:
        """SES's account-level list already holds an address: one sync imports it."""
        running.sandbox.suppression.put(SES_LISTED, "BOUNCE")
        result = pull.pull()
        self.say(f"SES's account-level suppression list holds {SES_LISTED}; one sync:")
        self.say(f"  {result.summary()}\n")

    def show_suppressions(self) -> None:
        rows = scenario.suppressions()
        self.say(f"Suppression list now holds {len(rows)} addresses:")
        for address, reason in rows:
            self.say(f"  {address:<45} {reason}")
        self.say("")

    def summary(self, rounds: list[scenario.Round], story: replying.ReplyStory | None) -> None:
        self.say("\nSummary")
        names = [*rounds[0].counts(), "seconds"]
        self.say(f"  {'':<8}" + "".join(f"{n:>{len(n) + 2}}" for n in names))
        for r in rounds:
            row = {**r.counts(), "seconds": f"{r.seconds:.1f}"}
            self.say(f"  {r.name:<8}" + "".join(f"{row[n]:>{len(n) + 2}}" for n in names))
        self.say("  suppressed: emails not sent at all (all their recipients were suppressed);")
        self.say("  recipients dropped: suppressed addresses taken off before sending, also from")
        self.say("  emails that still went to their other recipients.")
        for r in rounds:
            self.say(
                f"  {r.name} feedback received: "
                + ", ".join(f"{k} {v}" for k, v in r.feedback.items())
            )
        self.say(story.line() if story else "  reply: no answer came back in time")
        self.say("Everything the demo started has stopped.")
        workdir = Path(settings.DATABASES["default"]["NAME"]).parent
        base = Path(settings.BASE_DIR)
        folder = workdir.relative_to(base) if workdir.is_relative_to(base) else workdir
        self.say(f"\nTo look at what it did in the admin: bash scripts/local --dir {folder}")
        self.say("(it keeps running until Ctrl-C and prints the address and a login).")

    def say(self, line: str) -> None:
        self.stdout.write(line)
