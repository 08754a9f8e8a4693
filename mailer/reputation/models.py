"""The guard's records: rate snapshots per stream, daily totals, and the audited guard events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Stream(models.TextChoices):
    """Which mail a rate covers: everything, the transactional lane, bulk, or one campaign."""

    ALL = "all", "all mail"
    TRANSACTIONAL = "transactional", "transactional"
    BULK = "bulk", "bulk outside campaigns"
    CAMPAIGN = "campaign", "campaign"


class RateSnapshot(models.Model):
    """One stream's bounce and complaint rates over the rolling window, as of ``taken_at``.

    Counts are recipients. Rates are fractions, NULL while the window holds no sample.
    """

    taken_at = models.DateTimeField(db_index=True)
    stream = models.CharField(max_length=16, choices=Stream.choices)
    campaign_id = models.PositiveBigIntegerField(null=True, blank=True)
    campaign_name = models.CharField(max_length=200, blank=True)
    window_start = models.DateTimeField()
    sends = models.PositiveIntegerField(help_text="Emails SES accepted in the window.")
    recipients = models.PositiveIntegerField(help_text="Their recipients.")
    delivered = models.PositiveIntegerField()
    hard_bounces = models.PositiveIntegerField()
    soft_bounces = models.PositiveIntegerField()
    complaints = models.PositiveIntegerField()
    bounce_rate = models.FloatField(null=True, blank=True)
    complaint_rate = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-taken_at", "stream", "campaign_id"]
        indexes = [
            models.Index(fields=["campaign_id", "taken_at"], name="reputation_snap_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.key} at {self.taken_at:%Y-%m-%d %H:%M}"

    @property
    def key(self) -> str:
        """``all``, ``transactional``, ``bulk`` or ``campaign:<id>``."""
        return f"campaign:{self.campaign_id}" if self.stream == Stream.CAMPAIGN else self.stream


class DailyTotals(models.Model):
    """One UTC day of outcomes: sends by send time, feedback by the time SES reported it."""

    day = models.DateField(unique=True)
    sent = models.PositiveIntegerField(default=0, help_text="Recipients SES accepted.")
    delivered = models.PositiveIntegerField(default=0)
    hard_bounces = models.PositiveIntegerField(default=0)
    soft_bounces = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0, help_text="Recipients dropped at send.")
    failed = models.PositiveIntegerField(default=0, help_text="Emails that failed for good.")
    throttled = models.PositiveIntegerField(
        default=0, help_text="Throttles of the emails finished that day."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "daily totals"

    def __str__(self) -> str:
        return f"{self.day}: {self.sent} sent"


class GuardEvent(models.Model):
    """Something the guard or an operator did, who did it, and why (the audit trail)."""

    class Action(models.TextChoices):
        WARNED = "warned", "rates above the warning threshold"
        RECOVERED = "recovered", "rates back under the warning threshold"
        HELD = "held", "bulk mail held"
        RESUMED = "resumed", "bulk mail resumed"
        CAMPAIGN_PAUSED = "campaign_paused", "campaign paused alone"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="The guard, or the admin user.")
    reason = models.TextField(help_text="Why: the rate, its threshold and the sample.")
    note = models.TextField(blank=True, help_text="The operator's note (required to resume).")
    campaign_id = models.PositiveBigIntegerField(null=True, blank=True)
    campaigns = models.JSONField(
        default=list, blank=True, help_text="The campaigns this action paused or resumed: "
        "[{id, name}]."
    )
    bounce_rate = models.FloatField(null=True, blank=True)
    complaint_rate = models.FloatField(null=True, blank=True)
    sample = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["action", "created_at"], name="reputation_event_action")]
        permissions = [("resume_bulk", "Can resume bulk mail held by the reputation guard")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name}"

    @property
    def campaign_names(self) -> str:
        return ", ".join(c["name"] for c in self.campaigns)


class Dashboard(models.Model):
    """No table: the admin's entry for the dashboard at /admin/reputation/dashboard/."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name_plural = "dashboard"

    def __str__(self) -> str:
        return "dashboard"
