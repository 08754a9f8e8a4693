"""Admin (staff only): campaigns with progress and controls, audiences with CSV import."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from bouncy.admin import breakable, compact_time
from mailer import permissions
from mailer.campaigns import control
from mailer.campaigns.audiences import import_members
from mailer.campaigns.exceptions import AudienceImportError, CampaignError
from mailer.campaigns.fanout.headers import default_list_id
from mailer.campaigns.forms import AudienceImportForm, CampaignForm
from mailer.campaigns.models import Audience, Campaign, CampaignRecipient
from mailer.campaigns.progress import Progress, bar_html, detail_html, progress

CONTENT = ("name", "from_email", "subject", "text", "html", "audience", "list_id")
SEND_PERMISSION = permissions.SEND_CAMPAIGN  # send, retry failed recipients
CONTROL_PERMISSION = permissions.CONTROL_CAMPAIGN  # pause, resume, cancel
Status = Campaign.Status


@dataclass(frozen=True)
class Control:
    """A button on the campaign page: the service it calls, who may, and when it applies."""

    label: str
    done: str
    service: Callable[[int], object]
    permission: str
    statuses: tuple[str, ...]
    danger: bool = False


ACTIVE = (Status.SCHEDULED, Status.SENDING, Status.PAUSED)
CONTROLS = {
    "send": Control("Send now", "Campaign started (or scheduled).", control.send,
                    SEND_PERMISSION, (Status.DRAFT,)),
    "pause": Control("Pause", "Campaign paused: its queued mail is held.", control.pause,
                     CONTROL_PERMISSION, (Status.SENDING, Status.SCHEDULED)),
    "resume": Control("Resume", "Campaign resumed.", control.resume, CONTROL_PERMISSION,
                      (Status.PAUSED,)),
    "retry-failed": Control("Retry failed recipients", "Failed recipients queued again.",
                            control.retry_failed, SEND_PERMISSION,
                            (Status.SENDING, Status.PAUSED, Status.DONE)),
    "cancel": Control("Cancel", "Campaign cancelled.", control.cancel, CONTROL_PERMISSION,
                      (Status.DRAFT, *ACTIVE), danger=True),
}


def _control_action(
    service: Callable[[int], object], label: str, name: str, permission: str
) -> Callable[..., None]:
    """An admin action applying ``service`` to each selected campaign, reporting each error.

    ``permission`` is "send" or "control": the admin offers and runs the action only for users
    ``CampaignAdmin.has_<permission>_permission`` accepts (view or change alone is not enough).
    """

    def action(modeladmin: CampaignAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done = 0
        for campaign in queryset:
            try:
                service(campaign.id)
                done += 1
            except CampaignError as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{label}: {done} campaign(s).", messages.SUCCESS)

    action.__name__ = name
    return admin.action(description=f"{label} selected campaigns", permissions=[permission])(action)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Any]):
    form = CampaignForm
    change_form_template = "admin/campaigns/campaign/change_form.html"
    list_display = ("name", "status", "progress_bar", "counts", "rate", "eta")
    list_filter = ("status",)
    search_fields = ("name",)
    readonly_fields = ("status", "created", "started", "finished", "progress_detail")
    actions = [
        _control_action(control.send, "Send", "send_campaigns", "send"),
        _control_action(control.pause, "Pause", "pause_campaigns", "control"),
        _control_action(control.resume, "Resume", "resume_campaigns", "control"),
        _control_action(control.cancel, "Cancel", "cancel_campaigns", "control"),
        _control_action(control.retry_failed, "Retry failed recipients of", "retry_failed", "send"),
    ]

    def has_send_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        """Send a campaign, or retry its failed recipients (campaigns.send_campaign)."""
        return permissions.allowed(request, permissions.SEND_CAMPAIGN)

    def has_control_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        """Pause, resume or cancel a campaign (campaigns.control_campaign)."""
        return permissions.allowed(request, permissions.CONTROL_CAMPAIGN)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Campaign | None = None
    ) -> tuple[Any, ...]:
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return (*CONTENT, "scheduled_at", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        """Only a draft can be deleted: a started campaign's recipients are its record."""
        started = obj is not None and obj.status != Campaign.Status.DRAFT
        return not started and super().has_delete_permission(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        campaign = self.get_object(request, object_id)
        context = {**(extra_context or {}), "controls": self._controls(request, campaign)}
        if campaign is not None and campaign.status != Campaign.Status.DRAFT:
            # Nothing left to edit once started: no Save buttons (the controls act instead).
            context.update(show_save=False, show_save_and_continue=False,
                           show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, context)

    def _controls(self, request: HttpRequest, campaign: Campaign | None) -> list[dict[str, Any]]:
        """The buttons that apply to the campaign's status; those the user may not press say
        which permission they need."""
        if campaign is None:
            return []
        failed = campaign.recipients.filter(state=CampaignRecipient.State.FAILED).exists()
        return [
            {"name": name, "label": c.label, "danger": c.danger,
             "allowed": permissions.allowed(request, c.permission), "permission": c.permission,
             "url": reverse("admin:campaigns_campaign_control", args=[campaign.pk, name])}
            for name, c in CONTROLS.items()
            if campaign.status in c.statuses and (name != "retry-failed" or failed)
        ]

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(require_POST(self.control_view))
        return [path("<int:object_id>/control/<str:name>/", view,
                     name="campaigns_campaign_control"), *super().get_urls()]

    def control_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        """POST only: run one control on the campaign, then back to its page with the result."""
        chosen = CONTROLS.get(name)
        needed = [chosen.permission] if chosen else [SEND_PERMISSION, CONTROL_PERMISSION]
        if not any(permissions.allowed(request, permission) for permission in needed):
            raise PermissionDenied  # before anything else: refused users learn nothing
        if chosen is None:
            raise Http404("No such campaign control.")
        campaign = get_object_or_404(Campaign, pk=object_id)
        try:
            chosen.service(campaign.pk)
        except CampaignError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, chosen.done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:campaigns_campaign_change", args=[object_id]))

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        obj.list_id = obj.list_id or default_list_id(obj.name, obj.from_email)
        super().save_model(request, obj, form, change)

    def _progress(self, obj: Campaign) -> Progress:
        found: Progress | None = getattr(obj, "_progress", None)  # once per row and request
        if found is None:
            found = progress(obj)
            setattr(obj, "_progress", found)  # noqa: B010  (an attribute Campaign does not declare)
        return found

    @admin.display(description="progress")
    def progress_bar(self, obj: Campaign) -> SafeString:
        return bar_html(self._progress(obj), width=120)

    @admin.display(description="recipients")
    def counts(self, obj: Campaign) -> str:
        counts = self._progress(obj).counts
        rows = [(state, n) for state, n in counts.items() if n]
        return format_html_join(mark_safe("<br>"), "{} {}", rows) or "-"

    @admin.display(description="sending rate")
    def rate(self, obj: Campaign) -> str:
        return self._progress(obj).rate_label

    @admin.display(description="ETA")
    def eta(self, obj: Campaign) -> str:
        return self._progress(obj).eta_label

    @admin.display(description="progress")
    def progress_detail(self, obj: Campaign) -> SafeString | str:
        return detail_html(self._progress(obj)) if obj.pk else "-"


@admin.register(CampaignRecipient)
class CampaignRecipientAdmin(admin.ModelAdmin[Any]):
    list_display = ("address", "campaign", "state", "sent", "delivered", "engagement", "error")
    list_filter = ("state", "campaign")
    search_fields = ("member__address",)
    list_select_related = ("member", "campaign")
    readonly_fields = [f.name for f in CampaignRecipient._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="member", ordering="member__address")
    def address(self, obj: CampaignRecipient) -> str:
        return breakable(obj.member.address)

    @admin.display(description="opens · clicks")
    def engagement(self, obj: CampaignRecipient) -> str:
        return f"{obj.opens} · {obj.clicks}"

    @admin.display(description="sent (UTC)", ordering="sent_at")
    def sent(self, obj: CampaignRecipient) -> str:
        return compact_time(obj.sent_at)

    @admin.display(description="delivered", ordering="delivered_at")
    def delivered(self, obj: CampaignRecipient) -> str:
        return compact_time(obj.delivered_at)


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin[Any]):
    list_display = ("name", "member_count", "created")
    search_fields = ("name",)
    change_form_template = "admin/campaigns/audience/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Audience]:
        audiences: QuerySet[Audience] = super().get_queryset(request)
        return audiences.annotate(member_count=Count("members"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: Audience) -> int:
        return int(getattr(obj, "member_count", 0))  # annotated by get_queryset

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.import_view)
        return [
            path("<int:object_id>/import/", view, name="campaigns_audience_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Upload a CSV into the audience: all lines or none, each bad line listed."""
        audience = get_object_or_404(Audience, pk=object_id)
        if not self.has_change_permission(request, audience):
            raise PermissionDenied
        form = AudienceImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid() and self._import(request, audience, form):
            change = reverse("admin:campaigns_audience_change", args=[object_id])
            return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": audience,
            "form": form,
            "title": f"Import CSV into {audience}",
        }
        return TemplateResponse(request, "admin/campaigns/audience/import.html", context)

    def _import(self, request: HttpRequest, audience: Audience, form: AudienceImportForm) -> bool:
        upload = form.cleaned_data["csv_file"]
        text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
        try:
            count = import_members(audience, text)
        except AudienceImportError as exc:
            form.add_error("csv_file", exc.lines)
            return False
        self.message_user(request, f"Imported {count} members into {audience}.", messages.SUCCESS)
        return True
