"""Signal receivers: bouncy's feedback updates the campaign recipient it is about."""

from __future__ import annotations

from django.dispatch import receiver

from bouncy.signals import feedback as feedback_signal
from mailer.campaigns import feedback


@receiver(feedback_signal, dispatch_uid="campaigns.feedback")
def on_feedback(sender, instance, **kwargs) -> None:
    """Runs inside bouncy's transaction: one UPDATE, or nothing for other mail."""
    fact = feedback.from_row(instance)
    if fact is not None:
        feedback.apply(fact)
