"""Admin for Mailroom's delivery records (read-only: workers write them)."""

from django.contrib import admin

from mailer.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("email_id", "state", "ses_message_id", "attempts", "throttles", "failures",
                    "possible_duplicate", "sent_at")
    list_filter = ("state", "possible_duplicate")
    search_fields = ("ses_message_id", "email__to", "email__subject")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
