"""Signal receivers: bouncy's feedback updates the campaign recipient it is about."""

from __future__ import annotations

from django.dispatch import receiver

from bouncy.signals import feedback as feedback_signal
from mailer.campaigns import feedback
from mailer.feedback import link_email


@receiver(feedback_signal, dispatch_uid="campaigns.feedback")
def on_feedback(sender, instance, **kwargs) -> None:
    """Runs inside bouncy's transaction: one UPDATE, or nothing for other mail.

    mailer.feedback's receiver (connected first) has linked the row to its Email already;
    link_email then answers from the row without a query.
    """
    fact = feedback.from_row(instance)
    if fact is None:
        return
    email_id = link_email(instance)
    if email_id is not None:
        feedback.apply(fact, email_id)
