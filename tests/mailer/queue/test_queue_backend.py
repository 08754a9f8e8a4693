"""mailer.queue.EmailBackend: Django's EMAIL_BACKEND queues each message as Django built it."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail, send_mass_mail
from django.utils.translation import gettext_lazy
from post_office.models import PRIORITY, STATUS, Email

from mailer.aws.limits import MAX_RAW_BYTES, MAX_RECIPIENTS
from mailer.exceptions import MessageTooLarge, TooManyRecipients
from mailer.models import Delivery, StoredMime

pytestmark = pytest.mark.django_db


def stored(email: Email):
    return message_from_bytes(bytes(email.stored_mime.data), policy=policy.default)


def test_send_mail_returns_one_per_queued_message_and_stores_the_mime():
    assert send_mail("Hi", "Body", "app@example.com", ["ann@example.com"]) == 1
    assert (
        send_mass_mail([("A", "a", None, ["a@example.com"]), ("B", "b", None, ["b@example.com"])])
        == 2
    )

    email = Email.objects.get(subject="Hi")
    parsed = stored(email)
    assert email.status == STATUS.queued and email.priority == PRIORITY.medium
    assert (email.to, email.message) == (["ann@example.com"], "Body")
    assert parsed["Message-ID"] == email.message_id
    assert parsed.get_content() == "Body"
    assert b"\r\n" in bytes(email.stored_mime.data)


def test_an_html_only_message_is_stored_as_text_html():
    message = EmailMessage("Hi", "<p>Hello</p>", "app@example.com", ["ann@example.com"])
    message.content_subtype = "html"
    assert message.send() == 1

    email = Email.objects.get()
    assert stored(email).get_content_type() == "text/html"
    assert (email.message, email.html_message) == ("", "<p>Hello</p>")


def test_bodies_are_not_rendered_as_templates():
    """post_office's create() renders bodies as Django templates; a queued message is as sent."""
    send_mail("{{ subject }}", "Use {{ name }} and {% now %}", "app@example.com", ["a@example.com"])

    email = Email.objects.get()
    assert stored(email)["Subject"] == "{{ subject }}"
    assert stored(email).get_content() == "Use {{ name }} and {% now %}"


def test_alternatives_of_any_type_and_mixed_subtype_are_kept():
    message = EmailMultiAlternatives("Hi", "text", "app@example.com", ["a@example.com"])
    message.attach_alternative("<p>html</p>", "text/html")
    message.attach_alternative("BEGIN:VCALENDAR\nEND:VCALENDAR\n", "text/calendar")
    message.mixed_subtype = "related"
    message.attach("x.bin", b"\x00\x01", "application/octet-stream")
    message.send()

    parsed = stored(Email.objects.get())
    assert parsed.get_content_type() == "multipart/related"
    alternative = parsed.get_payload(0)
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]


def test_a_sender_message_id_is_kept_on_the_row_and_in_the_mime():
    EmailMessage(
        "Hi",
        "b",
        "app@example.com",
        ["a@example.com"],
        headers={"message-id": "<mine@example.com>"},
    ).send()

    email = Email.objects.get()
    assert email.message_id == "<mine@example.com>"
    assert stored(email).get_all("Message-ID") == ["<mine@example.com>"]


def test_lazy_strings_reply_to_and_headers_are_text_on_the_row():
    EmailMessage(
        gettext_lazy("Subject"),
        gettext_lazy("Content"),
        "app@example.com",
        ["a@example.com"],
        reply_to=["help@example.com"],
        headers={"X-Tag": gettext_lazy("Subject")},
    ).send()

    email = Email.objects.get()
    assert email.subject == "Subject"
    assert email.headers == {"X-Tag": "Subject", "Reply-To": "help@example.com"}
    assert stored(email)["Reply-To"] == "help@example.com"


def test_a_display_name_with_a_comma_keeps_one_recipient():
    send_mail("Hi", "b", "app@example.com", ['"Doe, Jane" <jane@example.com>'])

    email = Email.objects.get()
    assert email.to == ["jane@example.com"]
    assert stored(email)["To"].addresses[0].display_name == "Doe, Jane"


def test_a_message_without_recipients_is_not_queued_nor_counted():
    assert EmailMessage("Hi", "b", "app@example.com", []).send() == 0
    assert not Email.objects.exists()


def test_more_recipients_than_ses_accepts_is_refused_at_send():
    to = [f"r{i}@example.com" for i in range(MAX_RECIPIENTS + 1)]
    with pytest.raises(TooManyRecipients, match="51 recipients.*at most 50"):
        send_mail("Hi", "b", "app@example.com", to)
    assert send_mail("Hi", "b", "app@example.com", to[:MAX_RECIPIENTS]) == 1
    assert Email.objects.count() == 1


def test_a_message_larger_than_ses_accepts_is_refused_at_send():
    message = EmailMessage("Hi", "b", "app@example.com", ["a@example.com"])
    message.attach("big.bin", b"\x00" * (MAX_RAW_BYTES * 3 // 4), "application/octet-stream")
    with pytest.raises(MessageTooLarge, match="v1 SendRawEmail API.*10,485,760 bytes"):
        message.send()
    assert not Email.objects.exists() and not StoredMime.objects.exists()


def test_fail_silently_skips_a_refused_message_and_counts_the_others():
    too_many = EmailMessage(
        "Hi", "b", "app@example.com", [f"r{i}@example.com" for i in range(MAX_RECIPIENTS + 1)]
    )
    fine = EmailMessage("Hi", "b", "app@example.com", ["a@example.com"])
    connection = mail.get_connection(fail_silently=True)
    assert connection.send_messages([too_many, fine]) == 1
    assert Email.objects.count() == 1


def test_an_address_without_a_domain_is_refused_at_send():
    """SES accepts only user@domain; the Email's validators say so before anything is queued."""
    with pytest.raises(Exception, match="Invalid email: django"):
        send_mail("Hi", "b", "app@example.com", ["django"])
    assert not Email.objects.exists()


def test_priority_now_sends_the_stored_mime_at_once(settings, ses_sandbox, redis_client):
    settings.POST_OFFICE = {**settings.POST_OFFICE, "DEFAULT_PRIORITY": "now"}
    message = EmailMessage("Now", "<b>now</b>", "app@example.com", ["ann@example.com"])
    message.content_subtype = "html"

    assert message.send() == 1

    email = Email.objects.get()
    (received,) = ses_sandbox.messages()
    assert email.status == STATUS.sent
    assert Delivery.objects.get(email=email).ses_message_id == received["message_id"]
    assert received["raw"].encode() == bytes(email.stored_mime.data)
