"""Audiences, campaigns and one row per (campaign, recipient) with its state and feedback."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from post_office.models import Email

from mailer.campaigns.exceptions import CampaignNotFound


class Audience(models.Model):
    """A named list of recipients."""

    name = models.CharField(max_length=200, unique=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AudienceMember(models.Model):
    """One recipient of an audience: a normalised address and its template context."""

    # No index of its own: the two below lead with the audience.
    audience = models.ForeignKey(
        Audience, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    address = models.CharField(max_length=254, help_text="Normalised address.")
    context = models.JSONField(default=dict, blank=True, help_text="The CSV's other columns.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audience", "address"], name="campaigns_member_unique")
        ]
        indexes = [
            # The fan-out reads an audience in id order, a chunk after its cursor at a time:
            # a range scan here, where the audience index alone scans and sorts every member.
            models.Index(fields=["audience", "id"], name="campaigns_member_order_idx"),
        ]

    def __str__(self) -> str:
        return self.address


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def by_name(self, name: str) -> Campaign:
        """The campaign called ``name`` (what operators type); CampaignNotFound if none."""
        campaign = self.filter(name=name.strip()).first()
        if campaign is None:
            raise CampaignNotFound(f"Unknown campaign {name!r}.")
        return campaign


class Campaign(models.Model):
    """One mailing to an audience: templates, schedule, status and the fan-out's bookmark."""

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        SCHEDULED = "scheduled", "scheduled"
        SENDING = "sending", "sending"
        PAUSED = "paused", "paused"
        DONE = "done", "done"
        CANCELLED = "cancelled", "cancelled"

    name = models.CharField(max_length=200, unique=True)
    from_email = models.CharField("From", max_length=254)
    subject = models.TextField(help_text="Django template.")
    text = models.TextField(help_text="Django template: the plain-text body.")
    html = models.TextField(blank=True, help_text="Django template: the HTML body (optional).")
    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="campaigns")
    list_id = models.CharField(
        "List-Id", max_length=100, help_text="RFC 2919 list identifier, e.g. news.example.com."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(null=True, blank=True, help_text="Empty: at once.")
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    enrol_cursor = models.BigIntegerField(
        default=0, editable=False, help_text="Last audience member id given a recipient row."
    )
    enrolled = models.BooleanField(
        default=False, editable=False, help_text="Every audience member has a recipient row."
    )
    fanout_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last fan-out step (stall detection)."
    )
    not_before = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Fan-out waits for room in the 24-hour quota until then.",
    )
    synced_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Recipients were last brought up to date with their emails' outcomes.",
    )
    fully_synced_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="The last sync that looked at every unfinished recipient.",
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        # Checked by the admin's actions (mailer.permissions); view/change alone start nothing.
        permissions = [
            ("send_campaign", "Can send a campaign or retry its failed recipients"),
            ("control_campaign", "Can pause, resume or cancel a campaign"),
        ]

    def __str__(self) -> str:
        return self.name

    def emails(self) -> QuerySet[Email]:
        """Every post_office Email row a recipient of this campaign points at."""
        emails: QuerySet[Email] = Email.objects.filter(campaign_recipient__campaign=self)
        return emails


class CampaignRecipient(models.Model):
    """One audience member in one campaign: its state, its queued Email and its feedback."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        SUPPRESSED = "suppressed", "suppressed"
        FAILED = "failed", "failed"
        BOUNCED = "bounced", "bounced"
        COMPLAINED = "complained", "complained"
        CANCELLED = "cancelled", "cancelled"

    # The fan-out writes these rows by the thousand (mailer.campaigns.fanout.one_pass); database
    # foreign-key checks would cost a third of its database time, so Django alone enforces
    # these relations (on_delete runs in Python for every ORM delete): docs/decisions.md §14.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="recipients", db_index=False,
        db_constraint=False,
    )
    member = models.ForeignKey(
        AudienceMember, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    email = models.OneToOneField(
        Email, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_recipient",
        db_constraint=False,
    )
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Member first: it also serves lookups by member alone (PROTECT's check).
            models.UniqueConstraint(
                fields=["member", "campaign"], name="campaigns_recipient_member_unique"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "id"], name="campaigns_rcpt_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.campaign_id}: {self.state}"
