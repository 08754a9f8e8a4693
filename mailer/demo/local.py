"""The local stack's one-time set-up: a superuser to log in as, and sample mail to look at.

Everything is kept in one folder (``var/local`` unless told otherwise), so the SQLite database,
the embedded Redis's data and the superuser's password survive a restart.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from post_office.models import Email

from mailer.campaigns import control
from mailer.campaigns.authoring import Draft, create_with_audience
from mailer.demo import scenario

USERNAME = "admin"
PASSWORD_FILE = "admin-password"
SAMPLE_CAMPAIGN = "Sample newsletter"
SAMPLE_RECIPIENTS = 150


@dataclass(frozen=True)
class Login:
    """Who to log in as; ``password`` is None when the superuser was not created here."""

    username: str
    password: str | None


def ensure_superuser(workdir: Path) -> Login:
    """Create the superuser ``admin`` with a random password (kept in the folder) if the
    database has no superuser yet; otherwise name an existing one."""
    users = get_user_model().objects
    password_file = workdir / PASSWORD_FILE
    existing = users.filter(is_superuser=True).order_by("id").first()
    if existing is None:
        password = secrets.token_urlsafe(12)
        users.create_superuser(USERNAME, "admin@localhost", password)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        return Login(USERNAME, password)
    kept = password_file.read_text().strip() if password_file.exists() else None
    return Login(existing.get_username(), kept if existing.get_username() == USERNAME else None)


def seed_if_empty() -> bool:
    """On a new database, queue the demo's messages to the mailbox simulator and start a small
    campaign, so the admin has sending, bounces, complaints and suppressions to show."""
    if Email.objects.exists():
        return False
    scenario.queue_round("Sample", scenario.simulator_addresses(20))
    campaign = create_with_audience(
        Draft(SAMPLE_CAMPAIGN, "Hello {{ email }}", "A sample campaign from the local stack."),
        io.StringIO(sample_audience_csv(SAMPLE_RECIPIENTS)),
    )
    control.send(campaign.id)
    return True


def sample_audience_csv(size: int) -> str:
    """Mostly deliveries, a few bounces and complaints: what a real list looks like."""
    sim = scenario.SIM
    lines = ["email"]
    for i in range(1, size + 1):
        kind = "bounce" if i % 25 == 0 else "complaint" if i % 60 == 0 else "success"
        lines.append(f"{kind}+list{i}@{sim}")
    return "\n".join(lines) + "\n"


def env_file(workdir: Path, env: dict[str, str]) -> Path:
    """Write the stack's variables as ``export`` lines, so that ``manage.py`` in another
    terminal (after ``source``-ing it) talks to the same database, Redis and sandbox."""
    path = workdir / "env"
    path.write_text("".join(f"export {name}={value}\n" for name, value in sorted(env.items())))
    return path
