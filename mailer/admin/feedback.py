"""bouncy's admin pages with Mailroom's links: the campaign of each row, and on a notification's
page the suppressions it caused (a suppression's "source" links back here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from bouncy import admin as bouncy_admin
from bouncy.models import Bounce, Complaint, Delivery, Event, MailFeedback, Notification
from mailer.campaigns.models import CampaignRecipient
from mailer.models import Unsubscribe
from mailer.suppression.feedback_receiver import SOURCE_PREFIX


def _campaign_of(field: str) -> Subquery:
    recipient = CampaignRecipient.objects.filter(email_id=OuterRef("email_id"))
    return Subquery(recipient.values(field)[:1])


class Campaign(TypedDict):
    """What ``WithCampaign`` annotates a feedback row with (None: no campaign sent it)."""

    campaign_pk: int | None
    campaign_name: str | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    FeedbackWithCampaign = WithAnnotations[MailFeedback, Campaign]


class WithCampaign(admin.ModelAdmin[MailFeedback]):
    """Annotates each row with its email's campaign (one subquery, not one query a row); mixed
    into bouncy's FeedbackAdmin subclasses, whose ``campaign_link`` this one replaces."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeedbackWithCampaign]:
        return super().get_queryset(request).annotate(
            campaign_pk=_campaign_of("campaign_id"),
            campaign_name=_campaign_of("campaign__name"),
        )

    @admin.display(description="campaign")
    def campaign_link(self, obj: FeedbackWithCampaign) -> str:
        if not obj.campaign_pk:
            return "-"
        url = reverse("admin:campaigns_campaign_change", args=[obj.campaign_pk])
        return format_html('<a href="{}">{}</a>', url, obj.campaign_name)


def _replace(model: type[Model], base: type[admin.ModelAdmin[Any]]) -> None:
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (WithCampaign, base), {}))


for _model, _base in (
    (Bounce, bouncy_admin.BounceAdmin),
    (Complaint, bouncy_admin.ComplaintAdmin),
    (Delivery, bouncy_admin.DeliveryAdmin),
    (Event, bouncy_admin.EventAdmin),
):
    _replace(_model, _base)


def suppressions_caused(notification_id: int) -> QuerySet[Unsubscribe]:
    """The suppressions whose source names this notification."""
    return Unsubscribe.objects.filter(source__startswith=f"{SOURCE_PREFIX}{notification_id}:")


admin.site.unregister(Notification)


@admin.register(Notification)
class NotificationAdmin(bouncy_admin.NotificationAdmin):
    def related_links(self, obj: Notification) -> list[tuple[str, str]]:
        links = super().related_links(obj)
        email_ids = {row.email_id for row in self.rows(obj) if row.email_id}
        recipients = CampaignRecipient.objects.filter(email_id__in=email_ids)
        for campaign_id, name in recipients.values_list("campaign_id", "campaign__name").distinct():
            url = reverse("admin:campaigns_campaign_change", args=[campaign_id])
            links.append((url, f"campaign {name}"))
        for row in suppressions_caused(obj.pk).order_by("address"):
            url = reverse("admin:mailer_unsubscribe_change", args=[row.pk])
            links.append((url, f"suppression of {row.address}"))
        return links
