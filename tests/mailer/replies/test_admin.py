"""The replies admin: list, filters, search, detail with the linked Email, view original (inline
or fetched from the sandbox's S3 on demand); ``mailer_status`` counts replies of today."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.mail import send_mail
from django.core.management import call_command
from django.urls import reverse
from post_office.models import Email

from bouncy.models import ReceivedMessage
from mailer.campaigns.models import Audience, AudienceMember, Campaign, CampaignRecipient
from mailer.replies.models import Reply

pytestmark = pytest.mark.django_db
REPLY_ADDRESS = "no-reply@example.com"
LIST = "admin:replies_reply_changelist"


@pytest.fixture
def staff(client):
    user = User.objects.create_user("op", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_reply"))
    client.force_login(user)
    return client


def listed(staff, **query) -> str:
    response = staff.get(reverse(LIST), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_filters_by_verdict_answered_and_campaign_and_searches_senders(
    inbox, message, staff
):
    inbox.deliver(message(sender="ann@people.example", subject="Re: A"))
    inbox.deliver(message(sender="bob@people.example", subject="Re: B"), verdicts={"spam": "FAIL"})
    assert "Re: A" in listed(staff) and "Re: B" in listed(staff)
    spam = listed(staff, spam_verdict="FAIL")
    assert "Re: B" in spam and "Re: A" not in spam
    answered = listed(staff, answered="yes")
    assert "Re: A" in answered and "Re: B" not in answered
    unanswered = listed(staff, answered="no")
    assert "Re: B" in unanswered and "Re: A" not in unanswered
    found = listed(staff, q="bob@")
    assert "Re: B" in found and "Re: A" not in found


def test_a_reply_to_campaign_mail_is_linked_to_the_campaign_and_filtered_by_it(
    inbox, message, staff
):
    audience = Audience.objects.create(name="customers")
    member = AudienceMember.objects.create(audience=audience, address="jane@people.example")
    campaign = Campaign.objects.create(
        name="winter-sale", from_email=REPLY_ADDRESS, subject="Sale", text="Hi", audience=audience
    )
    send_mail("Sale", "Hi", REPLY_ADDRESS, ["jane@people.example"])
    sent = Email.objects.get()
    CampaignRecipient.objects.create(campaign=campaign, member=member, email=sent)
    inbox.deliver(message(subject="Re: Sale", In_Reply_To=sent.message_id))
    inbox.deliver(message(sender="bob@people.example", subject="Re: Other"))
    assert Reply.objects.get(email=sent).campaign == campaign
    filtered = listed(staff, campaign__id__exact=str(campaign.pk))
    assert "Re: Sale" in filtered and "Re: Other" not in filtered


def test_the_detail_shows_the_linked_email_and_the_answer(inbox, message, staff):
    send_mail("Your order has shipped", "It left today.", REPLY_ADDRESS, ["jane@people.example"])
    sent = Email.objects.get()
    inbox.deliver(message(In_Reply_To=sent.message_id, text="Where is it?"))
    reply = Reply.objects.get()
    page = staff.get(reverse("admin:replies_reply_change", args=[reply.pk])).content.decode()
    assert f"Email #{sent.pk}" in page and "Your order has shipped" in page
    assert f"Email #{reply.answer_id}" in page
    assert "Where is it?" in page and "spam PASS" in page


def test_view_original_inline(inbox, message, staff):
    raw = message(text="The whole message")
    inbox.deliver(raw)
    reply = Reply.objects.get()
    url = reverse("admin:replies_reply_original", args=[reply.pk])
    response = staff.get(url)
    assert response.status_code == 200 and response.content == raw
    assert staff.post(url).status_code == 405


def test_view_original_fetches_an_s3_stored_message_on_demand(inbox, message, staff):
    raw = message(text="Stored in S3 by the receipt rule")
    inbox.deliver(raw, action="S3")
    received = ReceivedMessage.objects.get()
    assert received.raw is None and received.action["type"] == "S3"
    assert received.subject == "Re: Your order has shipped"  # from the notification's headers
    response = staff.get(reverse("admin:replies_reply_original", args=[received.reply.pk]))
    assert response.status_code == 200 and response.content == raw


def test_a_missing_s3_object_is_said_in_words(inbox, message, staff):
    inbox.deliver(message(), action="S3")
    inbox.sandbox.feedback.stored.clear()
    reply = Reply.objects.get()
    response = staff.get(reverse("admin:replies_reply_original", args=[reply.pk]))
    assert response.status_code == 404 and b"S3 refused s3://mailroom-sandbox-inbound/" in (
        response.content
    )


def test_replies_cannot_be_added_changed_or_deleted(inbox, message, client):
    inbox.deliver(message())
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)
    reply = Reply.objects.get()
    assert client.get(reverse("admin:replies_reply_add")).status_code == 403
    delete = reverse("admin:replies_reply_delete", args=[reply.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Reply.objects.count() == 1


def test_a_user_without_the_view_permission_sees_nothing(inbox, message, client):
    inbox.deliver(message())
    client.force_login(User.objects.create_user("s", password="x", is_staff=True))
    reply = Reply.objects.get()
    assert client.get(reverse("admin:replies_reply_original", args=[reply.pk])).status_code == 403
    assert client.get(reverse(LIST)).status_code == 403


def test_mailer_status_counts_replies_received_and_answered_today(inbox, message):
    inbox.deliver(message(sender="ann@people.example"))
    inbox.deliver(message(sender="bob@people.example"), verdicts={"virus": "FAIL"})
    out = io.StringIO()
    call_command("mailer_status", "--json", stdout=out)
    assert json.loads(out.getvalue())["replies"] == {"received_today": 2, "answered_today": 1}
    out = io.StringIO()
    call_command("mailer_status", stdout=out)
    assert "replies received today  2" in out.getvalue()
    assert "replies answered today  1" in out.getvalue()
