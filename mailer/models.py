"""Mailroom's records beside post_office's Email: deliveries, suppressions and their audit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.lookups import In
from django.utils import timezone
from post_office.models import Email


class AnyOf(In[Any]):
    """``IN (…)`` on other databases; on PostgreSQL one array, cheap to build for hundreds."""

    lookup_name = "any_of"

    def get_prep_lookup(self) -> Any:
        """Strings pass as they are: In prepares each value through the field (~4 µs each)."""
        values = self.rhs
        if isinstance(values, list | tuple | set | frozenset) and all(
            type(v) is str for v in values
        ):
            return list(values)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if all(type(v) is str and "\n" not in v for v in values):
            # One text parameter split by the server: psycopg quotes each element of a list
            # parameter in Python (about 3 µs each, thousands per fan-out chunk).
            return f"{lhs} = ANY(string_to_array(%s, E'\\n'))", (*lhs_params, "\n".join(values))
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


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
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.QUEUED, db_index=True
    )
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    worker = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker claimed it.")
    failures = models.PositiveIntegerField(
        default=0, help_text="Transient errors (5xx, connection, unknown outcome) so far."
    )
    throttles = models.PositiveIntegerField(default=0, help_text="Throttles (no retry spent).")
    ses_message_id = models.CharField(
        "SES MessageId", max_length=255, null=True, blank=True, unique=True
    )
    other_message_id = models.CharField(
        "second SES MessageId",
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text="A second copy SES accepted, recorded by a worker that had lost its lease.",
    )
    retrying_since = models.DateTimeField(
        null=True, blank=True, help_text="First transient error of the current run of retries."
    )
    recipients = models.JSONField(default=list, blank=True, help_text="Addresses SES was given.")
    dropped = models.JSONField(
        default=list, blank=True, help_text="Suppressed recipients: [{address, reason}]."
    )
    error = models.TextField(blank=True)
    possible_duplicate = models.BooleanField(
        default=False,
        help_text="SES may have accepted an earlier attempt (a worker died mid-send, or SES's "
        "answer never came), so a second copy may have gone out.",
    )
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"email {self.email_id}: {self.state}"


class AccountQuota(models.Model):
    """The last SES send quota read, kept durably (one row) so that a Redis restart, which
    empties the limiter, does not drop every worker to the 1/s fallback rate."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    max_send_rate = models.FloatField(help_text="Recipients per second (SES's MaxSendRate).")
    max_24_hour_send = models.FloatField()
    sent_last_24_hours = models.FloatField()
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = "SES account quota"

    def __str__(self) -> str:
        return f"{self.max_send_rate:g}/s, read {self.read_at:%Y-%m-%d %H:%M:%S}"


class Unsubscribe(models.Model):
    """A suppressed address: mail to it is dropped at send time (all mail, or bulk mail only)."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "hard bounce"
        COMPLAINT = "complaint", "complaint"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        SOFT_BOUNCE_LIMIT = "soft_bounce_limit", "soft bounce limit"
        SES_SUPPRESSED = "ses_suppressed", "already suppressed at SES"
        MANUAL = "manual", "manual"
        IMPORTED = "imported", "imported"

    class Scope(models.TextChoices):
        ALL = "all", "all mail"
        BULK = "bulk", "bulk mail only"

    address = models.CharField(max_length=254, help_text="Normalised address.")
    reason = models.CharField(max_length=20, choices=Reason.choices, db_index=True)
    scope = models.CharField(max_length=4, choices=Scope.choices, default=Scope.ALL)
    source = models.CharField(
        max_length=500,
        blank=True,
        help_text="What caused it: a bouncy notification, an admin user, an import, a list.",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: suppressed for good."
    )

    class Meta:
        verbose_name = "suppressed address"
        verbose_name_plural = "suppressed addresses"
        # Checked by the admin (mailer.permissions): removal is audited, never a plain delete.
        permissions = [
            ("remove_unsubscribe", "Can remove addresses from the suppression list (audited)"),
            ("import_unsubscribe", "Can import suppressed addresses from CSV"),
        ]
        # A constraint rather than unique=True: the same unique index, without the second
        # (LIKE) index PostgreSQL would add for unique=True, which no query here uses.
        constraints = [
            models.UniqueConstraint(fields=["address"], name="mailer_unsubscribe_address"),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason}, {self.scope})"


Unsubscribe._meta.get_field("address").register_lookup(AnyOf)


class UnsubscribeRemoval(models.Model):
    """Audit record of a suppression an admin removed: what it was, who removed it, when, why."""

    address = models.CharField(max_length=254, db_index=True)
    reason = models.CharField(max_length=20, choices=Unsubscribe.Reason.choices)
    scope = models.CharField(max_length=4, choices=Unsubscribe.Scope.choices)
    source = models.CharField(max_length=500, blank=True)
    suppressed_at = models.DateTimeField(help_text="When the removed suppression was created.")
    note = models.TextField(help_text="Why it was removed.")
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_by_name = models.CharField(max_length=150, help_text="Kept if the user is deleted.")
    removed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "suppression removal"

    def __str__(self) -> str:
        return f"{self.address} removed by {self.removed_by_name}"


class SoftBounce(models.Model):
    """The current run of transient bounces of one address (gone once it ends or suppresses)."""

    address = models.CharField(max_length=254, unique=True)
    count = models.PositiveIntegerField(default=0, help_text="Transient bounces in this run.")
    first_at = models.DateTimeField(help_text="The run's first transient bounce.")
    last_at = models.DateTimeField(help_text="The run's latest transient bounce.")
    recent = models.JSONField(default=list, blank=True, help_text="Times of the latest bounces.")
    source = models.CharField(max_length=500, blank=True, help_text="The latest bounce.")

    def __str__(self) -> str:
        return f"{self.address}: {self.count} transient bounces"


class SesListed(models.Model):
    """An address on SES's account-level suppression list, as Mailroom last saw it there.

    Kept by the sync (``mailer.ses_suppression_sync``): the admin shows from it whether SES has
    an address, and the push skips what SES already has.
    """

    address = models.CharField(max_length=254, unique=True, help_text="Normalised address.")
    ses_address = models.CharField(max_length=254, help_text="The address as SES spells it.")
    reason = models.CharField(max_length=10, help_text="SES's reason: BOUNCE or COMPLAINT.")
    last_update_time = models.DateTimeField(help_text="When SES last updated the entry.")
    seen_at = models.DateTimeField(default=timezone.now, help_text="When Mailroom last saw it.")

    class Meta:
        verbose_name = "address on SES's suppression list"
        verbose_name_plural = "addresses on SES's suppression list"

    def __str__(self) -> str:
        return f"{self.address} ({self.reason} at SES)"


class SesRemoval(models.Model):
    """An address an operator removed from Mailroom's list, still to be deleted from SES's.

    Written in the removal's transaction, deleted once SES has no entry for it: a failed
    deletion stays here, shown in the admin, and is retried.
    """

    address = models.CharField(max_length=254, unique=True, help_text="Normalised address.")
    requested_by_name = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "pending removal at SES"

    def __str__(self) -> str:
        return f"{self.address}: remove at SES ({self.attempts} attempts)"


class SesSyncState(models.Model):
    """The one row saying where the sync with SES's list stands and what its last runs did."""

    pull_cursor = models.DateTimeField(
        null=True, blank=True, help_text="The newest SES update time imported so far."
    )
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_full_pull_at = models.DateTimeField(null=True, blank=True)
    last_pull = models.JSONField(default=dict, blank=True, help_text="Counts of the last pull.")
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_push = models.JSONField(default=dict, blank=True, help_text="Counts of the last push.")
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SES suppression sync state"

    def __str__(self) -> str:
        return f"SES sync, last pull {self.last_pull_at}"


class StoredMime(models.Model):
    """The MIME message Django built for an Email queued through Mailroom's EMAIL_BACKEND.

    post_office's Email keeps one text body, one HTML body, named attachments and a JSON of
    headers; a Django message can hold more (an HTML-only body, alternatives of any type,
    inline parts with Content-ID, ``mixed_subtype``, its own encoding). The worker sends these
    bytes as they are, so what SES receives is what Django built at ``send()``.
    """

    email = models.OneToOneField(
        Email, primary_key=True, on_delete=models.CASCADE, related_name="stored_mime"
    )
    data = models.BinaryField(help_text="The raw message (CRLF line endings), as sent to SES.")

    class Meta:
        verbose_name = "stored MIME message"

    def __str__(self) -> str:
        return f"email {self.email_id}: {len(self.data)} bytes"
