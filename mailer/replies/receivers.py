"""Receiver of bouncy's ``received`` signal: every received message is handled as a reply."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from bouncy.models import ReceivedMessage
from bouncy.signals import received
from mailer.replies import handling


@receiver(received, dispatch_uid="mailer.replies.received")
def on_received(sender: type, instance: ReceivedMessage, **kwargs: Any) -> None:
    """Idempotent: a message handed over again (a batch re-run) changes nothing."""
    handling.handle(instance)
