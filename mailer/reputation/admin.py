"""Admin: the dashboard (/admin/reputation/dashboard/), resuming with a note, the guard's log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bouncy.admin import ReadOnlyAdmin, compact_time
from mailer import permissions
from mailer.reputation import actions, campaigns, dashboard, guard
from mailer.reputation.exceptions import CampaignControlError, NotHeld
from mailer.reputation.models import Dashboard, GuardEvent, RateSnapshot
from mailer.reputation.policy import percent

DASHBOARD_URL = "admin:reputation_dashboard_changelist"


class ResumeForm(forms.Form):
    """Lift the guard's hold of bulk mail: a required note, and which guard-paused campaigns to
    resume as well."""

    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required: what you checked (e.g. the bad list was removed) and why it is safe.",
    )
    campaigns = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Campaigns the guard paused that should send again (the rest stay paused).",
    )

    def __init__(self, *args: Any, paused: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaigns"]
        assert isinstance(field, forms.ChoiceField)
        choices: list[tuple[int, str]] = sorted(paused.items(), key=lambda item: item[1])
        field.choices = choices

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Write what you checked before resuming bulk mail.")
        return note


@admin.register(GuardEvent)
class GuardEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor_name", "reason", "note", "campaign_names")
    list_filter = ("action",)
    search_fields = ("reason", "note", "actor_name")

    @admin.display(description="campaigns")
    def campaign_names(self, obj: GuardEvent) -> str:
        return obj.campaign_names


@admin.register(RateSnapshot)
class RateSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("taken", "stream_name", "recipients", "hard_bounces", "complaints",
                    "bounce", "complaint")
    list_filter = ("stream",)
    date_hierarchy = "taken_at"

    @admin.display(description="taken (UTC)", ordering="taken_at")
    def taken(self, obj: RateSnapshot) -> str:
        return compact_time(obj.taken_at)

    @admin.display(description="stream", ordering="stream")
    def stream_name(self, obj: RateSnapshot) -> str:
        return f"campaign {obj.campaign_name}" if obj.campaign_name else obj.get_stream_display()

    @admin.display(description="bounce rate")
    def bounce(self, obj: RateSnapshot) -> str:
        return percent(obj.bounce_rate)

    @admin.display(description="complaint rate")
    def complaint(self, obj: RateSnapshot) -> str:
        return percent(obj.complaint_rate)


def paused_by_hold() -> dict[int, str]:
    """Campaigns the current hold paused that are still paused (offered on resume)."""
    event = guard.latest_account_event()
    if event is None or event.action != GuardEvent.Action.HELD:
        return {}
    return campaigns.paused(c["id"] for c in event.campaigns)


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin[Any]):
    """No table: its changelist URL is the dashboard; staff only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.dashboard_view), name="reputation_dashboard_changelist"),
            path("resume/", wrap(require_POST(self.resume_view)), name="reputation_resume"),
        ]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Reputation dashboard",
            "opts": self.opts,
            "data": dashboard.build(timezone.now()),
            "form": ResumeForm(paused=paused_by_hold()),
            "can_resume": permissions.allowed(request, permissions.RESUME_BULK),
        }
        return TemplateResponse(request, "reputation/dashboard.html", context)

    def resume_view(self, request: HttpRequest) -> HttpResponse:
        if not permissions.allowed(request, permissions.RESUME_BULK):
            raise PermissionDenied
        form = ResumeForm(request.POST, paused=paused_by_hold())
        if not form.is_valid():
            messages.error(request, "Not resumed: " + "; ".join(
                str(e) for errors in form.errors.values() for e in errors))
            return HttpResponseRedirect(reverse(DASHBOARD_URL))
        try:  # ResumeNotAllowed is a PermissionDenied: the admin answers 403
            user = permissions.acting_user(request)
            actions.resume(user, form.cleaned_data["note"], form.cleaned_data["campaigns"])
        except (NotHeld, CampaignControlError) as exc:
            messages.error(request, f"Not resumed: {exc}")
        else:
            messages.success(request, "Bulk mail resumed.")
        return HttpResponseRedirect(reverse(DASHBOARD_URL))
