"""Admin for Mailroom: deliveries (read-only), the suppression list and its audit, Email's drops."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from post_office.admin import AttachmentAdmin, EmailAdmin, EmailTemplateAdmin, LogAdmin
from post_office.models import Attachment, Email, EmailTemplate, Log

from bouncy.admin import ReadOnlyAdmin, breakable, compact_time
from mailer import permissions
from mailer.exceptions import InvalidAddress
from mailer.models import Delivery, SoftBounce, Unsubscribe, UnsubscribeRemoval
from mailer.sending import resend
from mailer.suppression import admin_import, csv_io, store
from mailer.suppression.addresses import address_or_none, domain_of
from mailer.suppression.feedback_receiver import SOURCE_PREFIX
from mailer.suppression.forms import ManualUnsubscribeForm, RemovalForm
from mailer.suppression.ses_sync import admin_parts as ses_admin


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """One row per queued email: who it is for, what it is, where it stands."""

    menu_name = "Sends (one per email)"
    list_display = ("email_link", "addressed_to", "subject", "where", "sent", "duplicate_flag")
    list_display_links = None  # the email's own page says more than this row's
    list_filter = ("state", "possible_duplicate")
    list_select_related = ("email",)
    search_fields = ("ses_message_id", "email__to", "email__subject")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description="email", ordering="email_id")
    def email_link(self, obj: Delivery) -> str:
        url = reverse("admin:post_office_email_change", args=[obj.email_id])
        return format_html('<a href="{}">#{}</a>', url, obj.email_id)

    @admin.display(description="to")
    def addressed_to(self, obj: Delivery) -> str:
        email = obj.email
        everyone = [*(email.to or []), *(email.cc or []), *(email.bcc or [])]
        if not everyone:
            return "-"
        more = f" +{len(everyone) - 1}" if len(everyone) > 1 else ""
        return format_html("{}{}", breakable(everyone[0]), more)

    @admin.display(description="subject")
    def subject(self, obj: Delivery) -> str:
        return truncatechars(obj.email.subject, 30)

    @admin.display(description="sent (UTC)", ordering="sent_at")
    def sent(self, obj: Delivery) -> str:
        return compact_time(obj.sent_at)

    @admin.display(description="state", ordering="state")
    def where(self, obj: Delivery) -> str:
        """The state, and "held" for a paused campaign's email (queued, but not claimable)."""
        if obj.state == Delivery.State.QUEUED and obj.email.status is None:
            return "held (campaign paused)"
        return obj.get_state_display()

    @admin.display(description="flags")
    def duplicate_flag(self, obj: Delivery) -> str:
        """Blank normally: only the rare possible duplicate is marked."""
        return "⚠ possible duplicate" if obj.possible_duplicate else ""


@admin.register(Unsubscribe)
class UnsubscribeAdmin(admin.ModelAdmin[Any]):
    """The suppression list: filter, search (address or @domain), add, remove, export, import."""

    list_display = ("breakable_address", "why", "source_short", "at_ses", "created")
    list_filter = ("reason", "scope", ("created_at", admin.DateFieldListFilter))
    search_fields = ("address",)
    search_help_text = "An address or part of one; @example.com finds a whole domain."
    actions = ("remove_suppressions", "export_csv")
    form = ManualUnsubscribeForm
    change_list_template = "admin/mailer/unsubscribe/change_list.html"
    show_full_result_count = False
    list_per_page = 100

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ManualUnsubscribeForm.Meta.fields
        return ("address", "reason", "scope", "source_link", "at_ses", "created_at",
                "expires_at", "note")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else ("address", "reason", "scope", "source_link", "at_ses",
                                       "created_at", "expires_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return ses_admin.with_ses_reason(super().get_queryset(request))

    def save_model(self, request: HttpRequest, obj: Unsubscribe, form: Any, change: bool) -> None:
        if not change:
            obj.reason = Unsubscribe.Reason.MANUAL
            obj.source = f"admin user {request.user.get_username()}"
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # only the audited "remove" action lifts a suppression

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return permissions.allowed(request, permissions.REMOVE_SUPPRESSION)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return permissions.allowed(request, permissions.IMPORT_SUPPRESSIONS)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if term.startswith("@"):
            return _by_domain(queryset, term), False
        address = address_or_none(term) if "@" in term else None
        if address:
            return queryset.filter(address=address), False
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}),
                         "has_import_permission": self.has_import_permission(request)}
        response = super().changelist_view(request, extra_context)
        context = response.context_data if isinstance(response, TemplateResponse) else None
        if context is not None and "cl" in context:
            context["reason_counts"] = reason_counts(context["cl"].queryset)
            context.update(ses_admin.changelist_context())
            context["can_retry_ses"] = self.has_remove_permission(request)
        return response

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(admin_import.ImportView.as_view(model_admin=self))
        retry = self.admin_site.admin_view(require_POST(self.retry_ses_removals))
        return [
            path("import/", view, name="mailer_unsubscribe_import"),
            path("ses-removals/retry/", retry, name="mailer_unsubscribe_ses_retry"),
            *super().get_urls(),
        ]

    def retry_ses_removals(self, request: HttpRequest) -> HttpResponse:
        return ses_admin.retry_view(request, self.has_remove_permission(request))

    @admin.display(description="source")
    def source_link(self, obj: Unsubscribe) -> str:
        return source_html(obj.source)

    @admin.display(description="on SES's list")
    def at_ses(self, obj: Unsubscribe) -> str:
        return ses_admin.at_ses(obj)

    @admin.display(description="address", ordering="address")
    def breakable_address(self, obj: Unsubscribe) -> str:
        return breakable(obj.address)

    @admin.display(description="reason · scope", ordering="reason")
    def why(self, obj: Unsubscribe) -> str:
        return f"{obj.get_reason_display()} · {obj.get_scope_display()}"

    @admin.display(description="source")
    def source_short(self, obj: Unsubscribe) -> str:
        """The source up to its ids (the whole text in the tooltip and on the page)."""
        text = obj.source.split(", SES MessageId", 1)[0].removeprefix("bouncy notification ")
        return source_html(obj.source, text)

    @admin.display(description="since (UTC)", ordering="created_at")
    def created(self, obj: Unsubscribe) -> str:
        """When it was added, and when it expires if it does."""
        until = f" until {compact_time(obj.expires_at)}" if obj.expires_at else ""
        return f"{compact_time(obj.created_at)}{until}"

    @admin.action(description="Remove from suppression (asks for a note)", permissions=["remove"])
    def remove_suppressions(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        form = RemovalForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            user = permissions.acting_user(request)
            removed = store.remove(queryset, form.cleaned_data["note"], user)
            ses_admin.enqueue_removals()
            self.message_user(
                request,
                f"Removed {removed} suppressed addresses (audited); "
                "they are being removed from SES's suppression list too.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/mailer/unsubscribe/remove.html",
            {
                **self.admin_site.each_context(request),
                "title": "Remove from the suppression list",
                "opts": self.model._meta,
                "form": form,
                "count": queryset.count(),
                "sample": queryset.order_by("address")[:50],
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
            },
        )

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> StreamingHttpResponse:
        rows = queryset.order_by("address").iterator(chunk_size=2000)
        response = StreamingHttpResponse(csv_io.export_rows(rows), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="suppressed-addresses.csv"'
        return response


@admin.register(UnsubscribeRemoval)
class UnsubscribeRemovalAdmin(ReadOnlyAdmin):
    list_display = ("address", "reason", "scope", "removed_by_name", "removed_at", "note")
    list_filter = ("reason", ("removed_at", admin.DateFieldListFilter))
    search_fields = ("address", "removed_by_name", "note")


@admin.register(SoftBounce)
class SoftBounceAdmin(ReadOnlyAdmin):
    list_display = ("address", "count", "first_at", "last_at")
    search_fields = ("address",)


class NoAdd(admin.ModelAdmin[Any]):
    """Mixed into an admin class (before it): no Add button."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _without_add(model: type, model_admin: type[admin.ModelAdmin[Any]]) -> None:
    """Re-register post_office's admin for ``model`` without its Add button: Mailroom creates
    these rows (logs, attachments) or never uses them (post_office's templates)."""
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (NoAdd, model_admin), {}))


_without_add(Log, LogAdmin)
_without_add(Attachment, AttachmentAdmin)
_without_add(EmailTemplate, EmailTemplateAdmin)

admin.site.unregister(Email)


# post_office ships no types, so its EmailAdmin is Any to mypy: subclassing it is the point here.
@admin.register(Email)
class MailroomEmailAdmin(EmailAdmin):  # type: ignore[misc]
    """post_office's Email admin, plus the recipients Mailroom dropped as suppressed, and why.

    post_office's own "requeue" action (any viewer could run it) and its resend URL (sent at
    once on a GET) are replaced: both need the change permission and a POST, and put the email
    back in Mailroom's queue with a record (``mailer.sending.resend``).
    """

    list_filter = [*EmailAdmin.list_filter, "delivery__state"]
    # Without "use template" (a red ✖ on every row: Mailroom never uses post_office templates).
    list_display = [name for name in EmailAdmin.list_display if name != "use_template"]
    actions = ["requeue"]
    change_form_template = "admin/mailer/email/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The queue owns status; priority picks the lane, and with it the suppression scope.
        # An edit of either would send (or re-send) mail around the recorded paths above.
        inherited = super().get_readonly_fields(request, obj)
        return [*inherited, "status", "priority", "dropped_recipients"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        extra = ("Suppression", {"fields": ["dropped_recipients"]})
        return [*super().get_fieldsets(request, obj), extra]

    def get_urls(self) -> list[Any]:
        inherited = [u for u in super().get_urls() if getattr(u, "name", None) != "resend"]
        view = self.admin_site.admin_view(require_POST(self.resend_view))
        return [path("<int:pk>/resend/", view, name="post_office_email_resend"), *inherited]

    def resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """POST only (CSRF-checked by the admin): queue the email again, recorded."""
        email = self.get_object(request, str(pk))
        if email is None:
            raise Http404
        if not self.has_change_permission(request, email):
            raise PermissionDenied
        outcome = resend.requeue([email.pk], request.user.get_username())
        level = messages.SUCCESS if outcome.queued else messages.WARNING
        self.message_user(request, outcome.summary(), level)
        return HttpResponseRedirect(reverse("admin:post_office_email_change", args=[email.pk]))

    @admin.action(
        description="Requeue selected emails (re-sends are recorded)", permissions=["change"]
    )
    def requeue(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        outcome = resend.requeue(ids, request.user.get_username())
        self.message_user(request, outcome.summary())

    @admin.display(description="dropped recipients")
    def dropped_recipients(self, email: Email) -> str:
        rows = Delivery.objects.filter(email_id=email.pk)
        dropped = rows.values_list("dropped", flat=True).first()
        if not dropped:
            return "None"
        return format_html_join(", ", "{} ({})", ((d["address"], d["reason"]) for d in dropped))


def reason_counts(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    """Rows per reason in ``queryset`` (one GROUP BY), labelled, largest first."""
    labels = dict(Unsubscribe.Reason.choices)
    counts = queryset.order_by().values("reason").annotate(count=Count("pk"))
    rows = [{"label": labels.get(c["reason"], c["reason"]), "count": c["count"]} for c in counts]
    return sorted(rows, key=lambda row: -row["count"])


def source_html(source: str, text: str | None = None) -> str:
    """A link to the bouncy notification when the source names one, else the text; ``text``
    shown instead of the whole source (which then is the link's tooltip)."""
    number = source.removeprefix(SOURCE_PREFIX).split(":", 1)[0]
    if not (source.startswith(SOURCE_PREFIX) and number.isdigit()):
        return text or source
    try:
        url = reverse("admin:bouncy_notification_change", args=[number])
    except NoReverseMatch:
        return text or source
    return format_html('<a href="{}" title="{}">{}</a>', url, source, text or source)


def _by_domain(queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
    try:
        return queryset.filter(address__endswith=f"@{domain_of(term)}")
    except InvalidAddress:
        return queryset.none()


# bouncy's pages, with Mailroom's campaign and suppression links (imported for registration).
from mailer.admin import feedback  # noqa: E402, F401
