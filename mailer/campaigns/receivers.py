"""Signal receivers: feedback linked to a campaign's Email updates its recipient."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from mailer.campaigns import feedback
from mailer.queue.feedback_links import linked


@receiver(linked, dispatch_uid="campaigns.feedback")
def on_linked(sender: Any, rows: Any, **kwargs: Any) -> None:
    """Runs in the transaction that linked ``rows`` to their Emails: each row comes here once."""
    facts = [(fact, row.email_id) for row in rows if (fact := feedback.from_row(row)) is not None]
    if facts:
        feedback.apply_many(facts)
