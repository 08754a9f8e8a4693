"""``mailer_local``: the whole stack on this machine, kept between runs, until Ctrl-C."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailer.demo import local, stack

CHILD_FLAG = "MAILROOM_LOCAL_CHILD"
DEFAULT_DIR = Path("var") / "local"


class Command(BaseCommand):
    help = (
        "Run Mailroom locally on embedded defaults (SQLite, embedded Redis, the SES sandbox "
        "with its mailbox simulator, web + worker + beat) until Ctrl-C; data is kept in --dir."
    )
    requires_system_checks: list[str] = []  # configured by the child process itself

    def add_arguments(self, parser: CommandParser) -> None:
        stack.add_arguments(
            parser,
            default_dir=DEFAULT_DIR,
            dir_help="Folder for the database, Redis's data and logs (kept).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="Port of the web server on 127.0.0.1 (admin, webhook).",
        )
        parser.add_argument(
            "--no-samples",
            action="store_true",
            help="Do not queue sample mail into a new database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if os.environ.get(CHILD_FLAG):
            self.run_stack(Path(options["dir"]), options["no_samples"])
        else:
            self.launch(options)

    def launch(self, options: dict[str, Any]) -> None:
        """Start embedded Redis (its data in the folder), then the stack configured to use it."""
        if not stack.port_is_free(options["port"]):
            raise CommandError(
                f"Port {options['port']} on 127.0.0.1 is in use (another local stack?): stop it, "
                "or pass --port with a free one."
            )
        workdir = stack.folder(options["dir"])
        workdir.mkdir(parents=True, exist_ok=True)
        with stack.embedded_redis(workdir) as redis_url:
            env = stack.child_env(workdir, redis_url, options["rate"], options["port"])
            local.env_file(workdir, env)
            command = [sys.executable, "manage.py", "mailer_local", "--dir", str(workdir)]
            if options["no_samples"]:
                command.append("--no-samples")
            returncode = stack.run_configured(command, {**os.environ, **env, CHILD_FLAG: "1"})
        if returncode:
            raise CommandError("The local stack stopped with an error; see the lines above.")

    def run_stack(self, workdir: Path, no_samples: bool) -> None:
        stop = stack.StopSignal()
        call_command("migrate", verbosity=0)
        login = local.ensure_superuser(workdir)
        with stack.running_stack(workdir, separate_beat=True) as running:
            stack.wait_for_worker(running.worker, timeout=120, stop=stop)
            if not stop.is_set():
                seeded = not no_samples and local.seed_if_empty()
                self.welcome(workdir, running, login, seeded)
                self.watch(running, stop)
            self.say("\nStopping: worker, beat, SES sandbox and web server ...")
        self.say("Stopped. Your data is kept; run the same command to start again.")

    def welcome(
        self, workdir: Path, running: stack.Stack, login: local.Login, seeded: bool
    ) -> None:
        admin_url = running.webhook_url.replace("/mail/bouncy/", "/admin/")
        password = login.password or "(your own password)"
        self.say("Mailroom is running locally (Ctrl-C stops everything).")
        self.say(f"  admin        {admin_url}")
        self.say(f"  log in as    {login.username} / {password}")
        self.say(
            f"  SES sandbox  {running.ses_url} ({running.rate:g} recipients/s; mail to "
            f"@simulator.amazonses.com bounces or complains as SES's simulator does)"
        )
        self.say(f"  webhook      {running.webhook_url}")
        self.say(f"  data, logs   {workdir}")
        self.say(f"  manage.py    source {workdir / 'env'}; then manage.py as usual")
        if seeded:
            self.say(
                f"Queued sample mail and started the campaign {local.SAMPLE_CAMPAIGN!r}: "
                "watch it in the admin."
            )

    def watch(self, running: stack.Stack, stop: stack.StopSignal) -> None:
        """Until Ctrl-C (or SIGTERM), or until the worker or beat dies."""
        while not stop.wait(0.5):
            if name := running.exited():
                raise CommandError(f"The Celery {name} exited; see {name}.log in the data folder.")

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
