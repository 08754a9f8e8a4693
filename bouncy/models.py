"""bouncy's tables: raw SNS notifications and the bounces, complaints, deliveries, events."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils import timezone

from bouncy.envelope import MessageType


def _choices(values: type[StrEnum]) -> list[tuple[str, str]]:
    """A StrEnum as choices labelled as TextChoices would be ("Subscription Confirmation")."""
    return [(value.value, value.name.replace("_", " ").title()) for value in values]


class Notification(models.Model):
    """One SNS message as received, stored once per SNS MessageId (redeliveries change nothing)."""

    Type = MessageType

    sns_message_id = models.CharField("SNS MessageId", max_length=255)
    type = models.CharField(max_length=32, choices=_choices(MessageType))
    topic_arn = models.CharField("topic ARN", max_length=1024)
    subject = models.TextField(blank=True)
    timestamp = models.DateTimeField(help_text="SNS Timestamp (signed).")
    kind = models.CharField(
        max_length=64, blank=True,
        help_text="SES notificationType / eventType (Bounce, Complaint, Delivery, Open, …).")
    ses_format = models.CharField(
        "SES format", max_length=16, blank=True, help_text="notification or event (publishing).")
    mail_id = models.TextField("SES MessageId", blank=True)
    signature_version = models.CharField(max_length=8)
    signing_cert_url = models.TextField("SigningCertURL")
    subscribe_url = models.TextField("SubscribeURL", blank=True)
    body = models.TextField(help_text="The raw body exactly as POSTed (replayable).")
    parse_error = models.TextField(
        blank=True, help_text="Why Message could not be read as SES JSON.")
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a SubscriptionConfirmation was confirmed.")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When its rows were stored and handed to the feedback receivers "
                  "(empty: waiting for bouncy.processing).")

    class Meta:
        ordering = ["-received_at"]
        # Constraints and indexes in Meta, not unique=/db_index=: no extra "_like" indexes.
        constraints = [
            models.UniqueConstraint(fields=["sns_message_id"], name="bouncy_once_per_sns_id"),
        ]
        indexes = [
            models.Index(fields=["mail_id"], name="bouncy_notification_mail_id"),
            # The batch's queue: small, whatever the table's size.
            models.Index(fields=["id"], name="bouncy_notification_pending",
                         condition=models.Q(processed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind or self.type} {self.sns_message_id}"


# Feedback rows not linked to an Email yet (every concrete MailFeedback declares ``email``).
UNLINKED = models.Q(email__isnull=True)


class MailFeedback(models.Model):
    """Fields common to every feedback row: the notification and the SES mail it is about.

    Each concrete row also links to the post_office Email it is about (an ``email`` foreign key,
    declared per model for its own ``related_name``; the host sets it): ``email_id`` says so.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE)
    mail_id = models.TextField("SES MessageId")
    timestamp = models.DateTimeField()
    email_id: int | None

    class Meta:
        abstract = True
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["mail_id"], name="%(app_label)s_%(class)s_mail_id"),
            # Rows not linked to an Email yet: the host retries them for a while, then counts them.
            models.Index(fields=["timestamp"], name="%(app_label)s_%(class)s_unlinked",
                         condition=UNLINKED),
        ]


class RecipientFeedback(MailFeedback):
    """A feedback row about one recipient (every kind but ``Event``, which lists them all)."""

    address = models.TextField()

    class Meta(MailFeedback.Meta):
        abstract = True


class Bounce(RecipientFeedback):
    """One bounced recipient."""

    bounce_type = models.CharField(max_length=64, help_text="Permanent, Transient or Undetermined.")
    bounce_subtype = models.CharField(max_length=64, blank=True)
    hard = models.BooleanField(help_text="Permanent, or a 5.x.x status even if labelled Transient.")
    action = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=64, blank=True)
    diagnostic_code = models.TextField(blank=True)
    reporting_mta = models.TextField("reporting MTA", blank=True)
    feedback_id = models.TextField(blank=True)
    email = models.ForeignKey("post_office.Email", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="bouncy_bounces")

    def __str__(self) -> str:
        return f"{self.bounce_type} bounce {self.address}"


class Complaint(RecipientFeedback):
    """One recipient who complained."""

    feedback_type = models.CharField(
        max_length=64, blank=True, help_text="abuse, fraud, … or empty.")
    complaint_subtype = models.CharField(
        max_length=64, blank=True,
        help_text="OnAccountSuppressionList (not a new complaint) or empty.")
    user_agent = models.TextField(blank=True)
    arrival_date = models.DateTimeField(null=True, blank=True)
    feedback_id = models.TextField(blank=True)
    email = models.ForeignKey("post_office.Email", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="bouncy_complaints")

    def __str__(self) -> str:
        return f"complaint {self.address}"


class Delivery(RecipientFeedback):
    """One recipient whose server accepted the mail."""

    processing_time_millis = models.BigIntegerField(null=True, blank=True)
    smtp_response = models.TextField(blank=True)
    reporting_mta = models.TextField("reporting MTA", blank=True)
    email = models.ForeignKey("post_office.Email", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="bouncy_deliveries")

    class Meta(RecipientFeedback.Meta):
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"delivery {self.address}"


class Event(MailFeedback):
    """Any other SES event (Send, Reject, Open, Click, Rendering Failure, DeliveryDelay, …)."""

    event_type = models.CharField(max_length=64)
    addresses = models.JSONField(default=list, blank=True, help_text="mail.destination")
    data = models.JSONField(default=dict, blank=True, help_text="The type-specific object.")
    email = models.ForeignKey("post_office.Email", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="bouncy_events")

    def __str__(self) -> str:
        return f"{self.event_type} {self.mail_id}"


class ReceivedMessage(models.Model):
    """One message SES received (a receipt rule's SNS or S3 action), stored once per SES id.

    The raw MIME is kept when the SNS action carried it; an S3 action's message stays in S3
    (``action`` names the bucket and key) and is fetched only when an operator asks for it.
    """

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE)
    mail_id = models.TextField("SES MessageId")
    timestamp = models.DateTimeField(help_text="When SES received it.")
    recipients = models.JSONField(default=list, help_text="Envelope recipients the rule matched.")
    spam_verdict = models.CharField(max_length=32, blank=True)
    virus_verdict = models.CharField(max_length=32, blank=True)
    spf_verdict = models.CharField("SPF verdict", max_length=32, blank=True)
    dkim_verdict = models.CharField("DKIM verdict", max_length=32, blank=True)
    dmarc_verdict = models.CharField("DMARC verdict", max_length=32, blank=True)
    dmarc_policy = models.CharField("DMARC policy", max_length=32, blank=True)
    action = models.JSONField(default=dict, help_text="The receipt action (type, topic, bucket).")
    return_path = models.TextField(blank=True, help_text="The envelope sender (MAIL FROM).")
    from_header = models.TextField("From", blank=True)
    from_address = models.TextField(blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    subject = models.TextField(blank=True)
    date = models.DateTimeField(null=True, blank=True)
    message_id = models.TextField("Message-ID", blank=True)
    in_reply_to = models.TextField("In-Reply-To", blank=True)
    references = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=list, blank=True, help_text="[name, value] pairs.")
    headers_truncated = models.BooleanField(default=False)
    text = models.TextField(blank=True, help_text="The text part (or the HTML part's text).")
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes, when known.")
    raw = models.BinaryField(null=True, blank=True, help_text="The MIME message, when inline.")
    content_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-timestamp"]
        constraints = [
            models.UniqueConstraint(fields=["mail_id"], name="bouncy_received_once_per_ses_id"),
        ]

    def __str__(self) -> str:
        return f"from {self.from_address or self.return_path or '?'}: {self.subject[:60]}"

    @property
    def action_type(self) -> str:
        kind = self.action.get("type")
        return kind if isinstance(kind, str) else ""

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        return [value for key, value in self.headers if key.lower() == name.lower()]
