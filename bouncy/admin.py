"""Read-only admin for what SNS delivered: the facts first (who, what, why, when), raw JSON last.

Lists carry the columns an operator reads and fit the page; a notification's page shows the
decoded rows it produced, with links to the emails, and its raw body folded below. Mailroom
adds its own links (campaign, suppression) by overriding the ``*_links`` hooks.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bouncy.models import (
    Bounce,
    Complaint,
    Delivery,
    Event,
    MailFeedback,
    Notification,
    RecipientFeedback,
)

FEEDBACK = ("bounce_set", "complaint_set", "delivery_set", "event_set")
# "email: Empty" lists the rows no sent Email was found for (mailer_status counts them).
LINKED = ("email", admin.EmptyFieldListFilter)
SHORT = 90  # characters of a diagnostic or SMTP response shown in a list


class MenuNamed(admin.ModelAdmin[Any]):
    """A list named ``menu_name`` in its title (and the menu, by an admin site that reads it)
    instead of the model's name, when two apps' models share one."""

    menu_name = ""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self.menu_name:
            extra_context = {"title": self.menu_name, **(extra_context or {})}
        return super().changelist_view(request, extra_context)


class ReadOnlyAdmin(MenuNamed):
    """Rows written by the app itself (from SNS here; Mailroom's records reuse it): they can be
    looked at, never added, edited or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def email_link(email_id: int | None) -> str:
    """A link to post_office's Email page, or "-" when the email is not known here."""
    if not email_id:
        return "-"
    url = reverse("admin:post_office_email_change", args=[email_id])
    return format_html('<a href="{}">email #{}</a>', url, email_id)


def shortened(text: str) -> str:
    """Long text cut for a list cell, whole in its tooltip."""
    if len(text) <= SHORT:
        return text or "-"
    return format_html('<span title="{}">{}</span>', text, truncatechars(text, SHORT))


def breakable(address: str) -> str:
    """An address that may wrap before its "@" in a narrow column."""
    local, at, domain = address.rpartition("@")
    return format_html("{}<wbr>@{}", local, domain) if at else address


def compact_time(value: datetime | None) -> str:
    return value.strftime("%b %d %H:%M") if value else "-"


class FeedbackAdmin(ReadOnlyAdmin):
    """A per-recipient row, in columns that fit beside the filters: when (a link to the
    notification, which has every fact and the links onward), address, what happened, campaign.
    """

    date_hierarchy = "timestamp"
    show_full_result_count = False

    list_select_related = ("notification",)
    list_display_links = None
    search_fields = ["address", "=mail_id"]

    @admin.display(description="when (UTC)", ordering="timestamp")
    def when(self, obj: MailFeedback) -> str:
        url = reverse("admin:bouncy_notification_change", args=[obj.notification_id])
        return format_html('<a href="{}" title="{} UTC: the notification">{}</a>', url,
                           obj.timestamp.isoformat(sep=" ", timespec="seconds"),
                           compact_time(obj.timestamp))

    @admin.display(description="address", ordering="address")
    def recipient(self, obj: RecipientFeedback) -> str:
        return breakable(obj.address)

    @admin.display(description="campaign")
    def campaign_link(self, obj: MailFeedback) -> str:
        return "-"  # Mailroom overrides this (bouncy knows no campaigns)


@admin.register(Bounce)
class BounceAdmin(FeedbackAdmin):
    list_display = ["when", "recipient", "kind", "diagnostic", "campaign_link"]
    list_filter = ["hard", "bounce_type", "bounce_subtype", LINKED, "timestamp"]

    @admin.display(description="type", ordering="bounce_type")
    def kind(self, obj: Bounce) -> str:
        return f"{'hard' if obj.hard else 'soft'} · {obj.bounce_subtype or obj.bounce_type}"

    @admin.display(description="diagnostic")
    def diagnostic(self, obj: Bounce) -> str:
        text = " ".join(part for part in (obj.status, obj.diagnostic_code) if part)
        return shortened(text)


@admin.register(Complaint)
class ComplaintAdmin(FeedbackAdmin):
    list_display = ["when", "recipient", "kind", "campaign_link"]
    list_filter = ["feedback_type", "complaint_subtype", LINKED, "timestamp"]

    @admin.display(description="type", ordering="feedback_type")
    def kind(self, obj: Complaint) -> str:
        return " · ".join(p for p in (obj.feedback_type, obj.complaint_subtype) if p) or "-"


@admin.register(Delivery)
class DeliveryAdmin(FeedbackAdmin):
    menu_name = "SES delivery notifications"
    list_display = ["when", "recipient", "response", "campaign_link"]
    list_filter = [LINKED, "timestamp"]

    @admin.display(description="SMTP response")
    def response(self, obj: Delivery) -> str:
        return shortened(obj.smtp_response)


@admin.register(Event)
class EventAdmin(FeedbackAdmin):
    list_display = ["when", "event_type", "recipients", "campaign_link"]
    list_filter = ["event_type", LINKED, "timestamp"]
    search_fields = ["=mail_id", "addresses"]

    @admin.display(description="recipients")
    def recipients(self, obj: Event) -> str:
        return format_html_join(", ", "{}", ((breakable(a),) for a in obj.addresses or [])) or "-"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    date_hierarchy = "received_at"
    show_full_result_count = False
    list_display = ["received", "kind_or_type", "addresses", "outcome", "problem"]
    list_filter = ["type", "kind", "ses_format", "received_at"]
    search_fields = ["=sns_message_id", "=mail_id", "topic_arn", "bounce__address",
                     "complaint__address", "delivery__address"]
    fieldsets = [
        ("What happened", {"fields": ["kind_or_type", "facts", "links", "timestamp",
                                      "received_at", "processed_at", "parse_error"]}),
        ("SNS message", {"classes": ["collapse"], "fields": [
            "sns_message_id", "type", "topic_arn", "subject", "ses_format", "mail_id",
            "signature_version", "signing_cert_url", "subscribe_url", "confirmed_at"]}),
        ("Raw JSON (as received)", {"classes": ["collapse"], "fields": ["raw_json"]}),
    ]
    readonly_fields = ["kind_or_type", "facts", "links", "raw_json"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).prefetch_related(*FEEDBACK)

    @staticmethod
    def rows(obj: Notification) -> list[MailFeedback]:
        """The per-recipient rows this notification produced."""
        return [row for name in FEEDBACK for row in getattr(obj, name).all()]

    @admin.display(description="received (UTC)", ordering="received_at")
    def received(self, obj: Notification) -> str:
        return compact_time(obj.received_at)

    @admin.display(description="what", ordering="kind")
    def kind_or_type(self, obj: Notification) -> str:
        return obj.kind or obj.get_type_display()

    @admin.display(description="addresses")
    def addresses(self, obj: Notification) -> str:
        found = [getattr(row, "address", "") or ", ".join(getattr(row, "addresses", []))
                 for row in self.rows(obj)]
        return format_html_join(", ", "{}", ((breakable(a),) for a in found if a)) or "-"

    @admin.display(description="outcome")
    def outcome(self, obj: Notification) -> str:
        return ", ".join(sorted({self.summary(row) for row in self.rows(obj)})) or "-"

    @admin.display(description="problem")
    def problem(self, obj: Notification) -> str:
        """A parse error, or that the notification is stored but not applied yet."""
        if obj.parse_error:
            return shortened(obj.parse_error)
        if obj.processed_at is None and obj.type == Notification.Type.NOTIFICATION:
            return "not applied yet"
        return ""

    @staticmethod
    def summary(row: MailFeedback) -> str:
        """One row's outcome in a few words ("hard bounce 5.1.1", "complaint abuse")."""
        if isinstance(row, Bounce):
            return f"{'hard' if row.hard else 'soft'} bounce {row.status}".strip()
        if isinstance(row, Complaint):
            return f"complaint {row.feedback_type}".strip()
        if isinstance(row, Event):
            return row.event_type.lower()
        return "delivered"

    @admin.display(description="recipients")
    def facts(self, obj: Notification) -> SafeString | str:
        """A table of the decoded rows: address, outcome, diagnostic, time, email."""
        rows = self.rows(obj)
        if not rows:
            return "No per-recipient rows (see the raw JSON)."
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                                "<td>{}</td></tr>", (self._fact(row) for row in rows))
        return format_html(
            '<table class="bouncy-facts"><thead><tr><th>address</th><th>outcome</th>'
            "<th>diagnostic</th><th>at</th><th>email</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    def _fact(self, row: MailFeedback) -> tuple[str, ...]:
        detail = (getattr(row, "diagnostic_code", "") or getattr(row, "smtp_response", "")
                  or getattr(row, "user_agent", ""))
        address = getattr(row, "address", "") or ", ".join(getattr(row, "addresses", []))
        when = row.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC")
        return address, self.summary(row), detail or "-", when, email_link(row.email_id)

    @admin.display(description="links")
    def links(self, obj: Notification) -> SafeString | str:
        """Where this notification leads: its feedback rows, and Mailroom's pages."""
        pairs = [(reverse(f"admin:bouncy_{type(row)._meta.model_name}_change", args=[row.pk]),
                  f"{type(row)._meta.verbose_name} of {getattr(row, 'address', '') or 'mail'}")
                 for row in self.rows(obj)]
        pairs += self.related_links(obj)
        if not pairs:
            return "-"
        return format_html_join(" · ", '<a href="{}">{}</a>', pairs)

    def related_links(self, obj: Notification) -> list[tuple[str, str]]:
        """(url, label) pairs of pages outside bouncy (Mailroom adds its own)."""
        return [(reverse("admin:post_office_email_change", args=[email_id]), f"email #{email_id}")
                for email_id in sorted({row.email_id for row in self.rows(obj) if row.email_id})]

    @admin.display(description="raw JSON")
    def raw_json(self, obj: Notification) -> SafeString:
        """The body indented (and the SES message inside it decoded), wrapped to the page."""
        try:
            data = json.loads(obj.body)
            if isinstance(data.get("Message"), str) and data["Message"].startswith("{"):
                data["Message"] = json.loads(data["Message"])
            text = json.dumps(data, indent=2, sort_keys=False)
        except (ValueError, AttributeError):
            text = obj.body
        return format_html(
            '<pre style="white-space:pre-wrap;word-break:break-all;margin:0">{}</pre>', text
        )
