"""A received reply as Mailroom sees it (linked Email, answer, forward) and the answer windows."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Reply(models.Model):
    """One message received at a Mailroom address, and what Mailroom did about it."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "answered"
        NOT_A_REPLY_ADDRESS = "not_reply_address", "not sent to a reply address"
        VERDICT = "verdict", "spam or virus verdict FAIL"
        AUTOMATIC = "automatic", "automatic mail (RFC 3834)"
        SENDER = "sender", "empty, automatic or own sender"
        SUPPRESSED = "suppressed", "sender suppressed"
        RECENTLY_ANSWERED = "recently_answered", "sender answered within the window"
        NOT_QUEUED = "not_queued", "the answer could not be queued"

    received = models.OneToOneField(
        "bouncy.ReceivedMessage", on_delete=models.CASCADE, related_name="reply"
    )
    received_at = models.DateTimeField(db_index=True)
    address = models.TextField(blank=True, help_text="The reply address it was sent to.")
    sender = models.TextField(blank=True, help_text="The envelope sender (Return-Path).")
    email = models.ForeignKey(
        "post_office.Email",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The sent Email it answers (by In-Reply-To / References).",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.TextField(blank=True, help_text="Why it was not answered, in words.")
    answer = models.ForeignKey(
        "post_office.Email",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The automatic answer.",
    )
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    forward = models.ForeignKey(
        "post_office.Email",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The copy forwarded to MAILROOM_REPLIES_FORWARD_TO.",
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"reply from {self.sender or '(no sender)'} to {self.address or '?'}"


class AnswerWindow(models.Model):
    """When ``sender`` was last answered from ``address``: at most one answer per window."""

    sender = models.TextField()
    address = models.TextField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "address"], name="replies_one_window"),
        ]

    def __str__(self) -> str:
        return f"{self.address} answered {self.sender} at {self.answered_at:%Y-%m-%d %H:%M}"
