"""Mailroom's records beside post_office's Email: one Delivery per email Mailroom has handled."""

from __future__ import annotations

from django.db import models
from post_office.models import Email


class Delivery(models.Model):
    """Mailroom's side of one queued Email: its lease, its SES MessageId and its outcome.

    post_office's Email stays the queue (``status`` queued/requeued/sent/failed); this row holds
    what post_office has no field for. It is created when a worker first claims the email.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        SUPPRESSED = "suppressed", "suppressed"

    email = models.OneToOneField(
        Email, primary_key=True, on_delete=models.CASCADE, related_name="delivery"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED, db_index=True)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    worker = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker claimed it.")
    failures = models.PositiveIntegerField(default=0, help_text="Transient errors that spent a retry.")
    throttles = models.PositiveIntegerField(default=0, help_text="Throttles (no retry spent).")
    ses_message_id = models.CharField(
        "SES MessageId", max_length=255, null=True, blank=True, unique=True
    )
    recipients = models.JSONField(default=list, blank=True, help_text="Addresses SES was given.")
    dropped = models.JSONField(
        default=list, blank=True, help_text="Suppressed recipients: [{address, reason}]."
    )
    error = models.TextField(blank=True)
    possible_duplicate = models.BooleanField(
        default=False,
        help_text="Reclaimed after a worker died mid-send: SES may have accepted it already.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"email {self.email_id}: {self.state}"
