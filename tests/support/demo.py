"""Running Mailroom's own commands (the demo, scripts/local) as a user does: embedded defaults."""

from __future__ import annotations

import os


def embedded_env() -> dict[str, str]:
    """This environment without the test's services: the command starts its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "AWS_", "BOUNCY_", "MAILROOM_"))
    }
    return {**env, "DEBUG": "1"}
