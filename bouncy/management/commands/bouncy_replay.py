"""bouncy_replay: run saved SNS messages (as POSTed) through verify → parse → record."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bouncy import pipeline
from bouncy.exceptions import Rejection
from bouncy.sns import DirectoryCertificateSource


class Command(BaseCommand):
    help = ("Replay saved SNS messages through the webhook's path; one line per file; "
            "exit status 0 only if every file was accepted.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--cert-dir", metavar="DIR",
                            help="take signing certificates from DIR (by the SigningCertURL file "
                                 "name) instead of fetching them")
        parser.add_argument("--dry-run", action="store_true",
                            help="verify and parse; store nothing")

    def handle(self, *args: object, files: list[str], cert_dir: str | None, dry_run: bool,
               **options: object) -> None:
        if cert_dir and not Path(cert_dir).is_dir():
            raise CommandError(f"--cert-dir {cert_dir}: not a folder")
        source = DirectoryCertificateSource(cert_dir) if cert_dir else None
        rejected = sum(not self._replay(name, source, dry_run) for name in files)
        if rejected:
            raise CommandError(f"{rejected} of {len(files)} files rejected", returncode=1)

    def _replay(self, name: str, source: DirectoryCertificateSource | None, dry_run: bool) -> bool:
        try:
            body = Path(name).read_bytes()
            outcome = pipeline.process(
                body, certificate_source=source, dry_run=dry_run, any_age=True
            )
        except OSError as exc:
            self.stdout.write(f"{name}: rejected: cannot read the file ({exc.strerror})")
            return False
        except Rejection as exc:
            self.stdout.write(f"{name}: rejected: {' '.join(str(exc).split())}")
            return False
        self.stdout.write(f"{name}: accepted {outcome.summary()}")
        return True
