"""Signal receivers: feedback linked to a campaign's Email updates its recipient."""

from __future__ import annotations

from django.dispatch import receiver

from mailer.campaigns import feedback
from mailer.feedback_links import linked


@receiver(linked, dispatch_uid="campaigns.feedback")
def on_linked(sender, rows, **kwargs) -> None:
    """Runs in the transaction that linked ``rows`` to their Emails: each row comes here once."""
    for row in rows:
        fact = feedback.from_row(row)
        if fact is not None:
            feedback.apply(fact, row.email_id)
