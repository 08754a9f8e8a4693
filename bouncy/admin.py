"""Read-only admin lists of notifications, bounces, complaints, deliveries and other events."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from bouncy.models import Bounce, Complaint, Delivery, Event, Notification

# "email: Empty" lists the rows no sent Email was found for (mailer_status counts them).
LINKED = ("email", admin.EmptyFieldListFilter)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows come from SNS only: they can be looked at, never added or edited here."""

    date_hierarchy = "timestamp"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    date_hierarchy = "received_at"
    list_display = ["received_at", "type", "kind", "ses_format", "mail_id", "topic_arn",
                    "processed_at", "confirmed_at", "parse_error"]
    list_filter = ["type", "kind", "ses_format", "received_at"]
    search_fields = ["=sns_message_id", "=mail_id", "topic_arn"]


@admin.register(Bounce)
class BounceAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "address", "bounce_type", "bounce_subtype", "hard", "status",
                    "diagnostic_code", "mail_id", "email_id"]
    list_filter = ["hard", "bounce_type", "bounce_subtype", LINKED, "timestamp"]
    search_fields = ["address", "=mail_id"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "address", "feedback_type", "complaint_subtype", "user_agent",
                    "mail_id", "email_id"]
    list_filter = ["feedback_type", "complaint_subtype", LINKED, "timestamp"]
    search_fields = ["address", "=mail_id"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "address", "processing_time_millis", "smtp_response", "mail_id",
                    "email_id"]
    list_filter = [LINKED, "timestamp"]
    search_fields = ["address", "=mail_id"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "event_type", "addresses", "mail_id", "email_id"]
    list_filter = ["event_type", LINKED, "timestamp"]
    search_fields = ["=mail_id", "addresses"]
