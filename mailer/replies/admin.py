"""Admin (staff only, read-only): received replies, their verdicts, linked Email and answer.

The original MIME of a received message is stored inline, or fetched from S3 when an operator
asks for it here (never by the webhook): the S3 action's notification names the bucket and key,
and the one boto3 client setup (``mailer.aws``) reads it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from bouncy.admin import ReadOnlyAdmin
from bouncy.inbound import ReceiptAction, Verdict, VerdictStatus
from bouncy.models import ReceivedMessage
from mailer.aws import account
from mailer.exceptions import SESError
from mailer.replies.models import Reply

MAX_BYTES = 40 * 1024 * 1024  # SES receiving accepts messages up to 40 MB


class OriginalUnavailable(Exception):
    """The original cannot be shown; the message says why in words."""


def original(message: ReceivedMessage) -> bytes:
    """The raw message bytes, or raise ``OriginalUnavailable`` with the reason."""
    if message.raw is not None:
        return bytes(message.raw)
    action = message.action
    bucket, key = action.get("bucketName"), action.get("objectKey")
    if action.get("type") != ReceiptAction.S3 or not (bucket and key):
        raise OriginalUnavailable("SES did not include the message and did not store it in S3.")
    try:
        data = account.s3_object(bucket, key, MAX_BYTES)
    except SESError as exc:
        raise OriginalUnavailable(f"S3 refused s3://{bucket}/{key}: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise OriginalUnavailable(f"s3://{bucket}/{key} is over {MAX_BYTES} bytes.")
    return data


class AnsweredFilter(admin.SimpleListFilter):
    title = "answered"
    parameter_name = "answered"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[Any]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(answer__isnull=self.value() == "no")
        return queryset


def verdict_filter(name: Verdict) -> type[admin.SimpleListFilter]:
    """A list filter on one of SES's receipt verdicts (PASS, FAIL, GRAY, …)."""
    field = f"received__{name}_verdict"

    class VerdictFilter(admin.SimpleListFilter):
        title = f"{name if name in (Verdict.SPAM, Verdict.VIRUS) else name.upper()} verdict"
        parameter_name = f"{name}_verdict"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[Any]:
            return [(status.value, status.value) for status in VerdictStatus]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    return VerdictFilter


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    """Replies as received: who wrote, to which address, about which Email, what Mailroom did."""

    date_hierarchy = "received_at"
    list_display = ("received_at", "sender", "address", "subject", "campaign", "outcome",
                    "answered", "spam", "virus")  # fmt: skip
    list_filter = (("campaign", admin.RelatedOnlyFieldListFilter), AnsweredFilter, "outcome",
                   *(verdict_filter(name) for name in Verdict))  # fmt: skip
    search_fields = ("sender", "received__from_address", "received__from_header")
    search_help_text = "The sender's address, or part of it."
    list_select_related = ("received", "campaign")
    show_full_result_count = False
    readonly_fields = ("received_at", "address", "sender", "from_header", "subject",
                       "linked_email", "campaign", "outcome", "detail", "answer_link",
                       "answered_at", "forward_link", "verdicts", "message_id", "in_reply_to",
                       "original_link", "text")  # fmt: skip
    fields = readonly_fields

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.original_view)
        return [path("<int:object_id>/original/", view, name="replies_reply_original"),
                *super().get_urls()]  # fmt: skip

    def original_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The raw message as text (fetched from S3 now if SES stored it there); GET only."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        reply = get_object_or_404(Reply.objects.select_related("received"), pk=object_id)
        if not self.has_view_permission(request, reply):
            return HttpResponse("You may not view replies.", status=403)
        try:
            data = original(reply.received)
        except OriginalUnavailable as exc:
            return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
        response = HttpResponse(data, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="reply-{reply.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description="subject")
    def subject(self, obj: Reply) -> str:
        return obj.received.subject

    @admin.display(description="From")
    def from_header(self, obj: Reply) -> str:
        return obj.received.from_header

    @admin.display(description="Message-ID")
    def message_id(self, obj: Reply) -> str:
        return obj.received.message_id

    @admin.display(description="In-Reply-To")
    def in_reply_to(self, obj: Reply) -> str:
        return obj.received.in_reply_to

    @admin.display(description="text")
    def text(self, obj: Reply) -> str:
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", obj.received.text)

    @admin.display(boolean=True, description="answered", ordering="answered_at")
    def answered(self, obj: Reply) -> bool:
        return obj.answer_id is not None

    @admin.display(description="spam")
    def spam(self, obj: Reply) -> str:
        return obj.received.spam_verdict

    @admin.display(description="virus")
    def virus(self, obj: Reply) -> str:
        return obj.received.virus_verdict

    @admin.display(description="verdicts")
    def verdicts(self, obj: Reply) -> str:
        found = {name: getattr(obj.received, f"{name}_verdict") for name in Verdict}
        policy = obj.received.dmarc_policy
        text = ", ".join(f"{name} {value or '-'}" for name, value in found.items())
        return text + (f" (DMARC policy {policy})" if policy else "")

    @admin.display(description="linked outgoing Email")
    def linked_email(self, obj: Reply) -> str:
        return _email_link(obj.email_id, obj.email and f"{obj.email.subject} → {obj.email.to}")

    @admin.display(description="answer")
    def answer_link(self, obj: Reply) -> str:
        return _email_link(obj.answer_id, obj.answer and obj.answer.get_status_display())

    @admin.display(description="forwarded")
    def forward_link(self, obj: Reply) -> str:
        return _email_link(obj.forward_id, obj.forward and ", ".join(obj.forward.to))

    @admin.display(description="original message")
    def original_link(self, obj: Reply) -> str:
        url = reverse("admin:replies_reply_original", args=[obj.pk])
        where = "stored" if obj.received.raw is not None else obj.received.action_type or "?"
        return format_html('<a href="{}">view original</a> ({})', url, where)


def _email_link(email_id: int | None, label: str | None) -> str:
    if email_id is None:
        return "-"
    try:
        url = reverse("admin:post_office_email_change", args=[email_id])
    except NoReverseMatch:
        return f"Email #{email_id}: {label}"
    return format_html('<a href="{}">Email #{}</a>: {}', url, email_id, label)
