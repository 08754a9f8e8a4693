"""Signal receivers: new mail in post_office's queue wakes a worker once the rows are committed."""

from __future__ import annotations

from django.dispatch import receiver
from post_office.signals import email_queued

from mailer.lanes import lane_of
from mailer.sending import wakeup


@receiver(email_queued, dispatch_uid="mailer.wake_on_queue")
def wake_on_queue(sender, emails, **kwargs) -> None:
    """Request one drain per lane that received mail; the periodic sweep covers a lost one."""
    for lane in {lane_of(email.priority) for email in emails}:
        wakeup.request(lane)
