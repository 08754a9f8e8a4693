"""One sync run (beat): removals due at SES, then a pull, then a push when it is on.

Each part runs even if another failed; a failure is logged and recorded, never raised to beat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from django.utils import timezone

from mailer.conf import get_suppression_settings
from mailer.exceptions import SESError
from mailer.suppression.ses_sync import pull, push, removal, state

logger = logging.getLogger(__name__)


class Summarised(Protocol):
    def summary(self) -> str: ...


FULL_PULL_EVERY = timedelta(days=1)  # the only way to learn of entries deleted at SES
REMOVALS_PER_RUN = 500
PUSHES_PER_RUN = 500


def sync() -> dict[str, str]:
    """Run every part once; returns each part's summary or error."""
    outcome = {"removal": _part("removal", lambda: removal.run_due(limit=REMOVALS_PER_RUN))}
    outcome["pull"] = _part("pull", lambda: pull.pull(full=_full_pull_due()))
    if get_suppression_settings().ses_push:
        outcome["push"] = _part("push", lambda: push.push(limit=PUSHES_PER_RUN))
    return outcome


def _full_pull_due() -> bool:
    last = state.load().last_full_pull_at
    return last is None or timezone.now() - last >= FULL_PULL_EVERY


def _part(name: str, call: Callable[[], Summarised]) -> str:
    try:
        summary = call().summary()
    except SESError as exc:
        logger.warning("SES suppression list %s failed: %s", name, exc)
        return f"failed: {exc}"
    logger.info("SES suppression list %s", summary)
    return summary
