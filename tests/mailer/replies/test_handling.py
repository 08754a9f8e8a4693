"""Received replies, delivered through the sandbox as SES would: stored, linked, answered once.

Each RFC 3834 rule gets a message that breaks it and the assertion that no answer was queued.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.mail import send_mail
from post_office.models import Email

from bouncy.models import Notification, ReceivedMessage
from mailer.models import Unsubscribe
from mailer.replies import handling
from mailer.replies.models import AnswerWindow, Reply

pytestmark = pytest.mark.django_db

Outcome = Reply.Outcome
REPLY_ADDRESS = "no-reply@example.com"


def only_reply() -> Reply:
    replies = list(Reply.objects.select_related("received"))
    assert len(replies) == 1
    return replies[0]


def answers() -> list[Email]:
    return list(Email.objects.filter(headers__contains={"Auto-Submitted": "auto-replied"}))


def test_a_reply_is_stored_parsed_and_answered_once_with_rfc3834_headers(inbox, message):
    raw = message(text="Where is my parcel?\n")
    inbox.deliver(raw, encoding="UTF8")
    reply = only_reply()
    received = reply.received
    assert received.from_address == "jane@people.example"
    assert received.subject == "Re: Your order has shipped"
    assert received.text == "Where is my parcel?\n"
    assert bytes(received.raw) == raw and received.size == len(raw)
    assert received.spam_verdict == "PASS" and received.action_type == "SNS"
    assert received.recipients == [REPLY_ADDRESS]
    assert reply.outcome == Outcome.ANSWERED and reply.address == REPLY_ADDRESS
    [answer] = answers()
    assert reply.answer == answer
    assert answer.to == ["jane@people.example"] and answer.from_email == REPLY_ADDRESS
    assert answer.subject == "Auto: Re: Your order has shipped"
    assert answer.headers["In-Reply-To"] == received.message_id
    assert answer.headers["References"] == received.message_id
    assert answer.priority != 0  # not post_office's "low": the transactional lane


def test_a_redelivered_notification_changes_nothing(inbox, message):
    inbox.deliver(message())
    assert inbox.post_again().content == b"duplicate\n"
    assert Notification.objects.count() == 1
    assert Reply.objects.count() == 1 and len(answers()) == 1


def test_handling_a_stored_message_again_changes_nothing(inbox, message):
    """The receiver is idempotent: a batch may hand the same message over again."""
    inbox.deliver(message())
    handling.handle(ReceivedMessage.objects.get())
    assert Reply.objects.count() == 1 and len(answers()) == 1


def test_a_reply_links_to_the_sent_email_by_in_reply_to(inbox, message):
    send_mail("Your order has shipped", "It left today.", REPLY_ADDRESS, ["jane@people.example"])
    sent = Email.objects.get()
    inbox.deliver(message(In_Reply_To=sent.message_id, References=sent.message_id))
    assert only_reply().email == sent


def test_references_link_when_in_reply_to_is_missing(inbox, message):
    send_mail("Hello", "Hi.", REPLY_ADDRESS, ["jane@people.example"])
    sent = Email.objects.get()
    inbox.deliver(message(References=f"<other@x.example> {sent.message_id}"))
    assert only_reply().email == sent


def test_the_sender_is_answered_once_per_window(inbox, message, settings):
    inbox.deliver(message(text="first"))
    inbox.deliver(message(text="second"))
    assert len(answers()) == 1
    assert Reply.objects.filter(outcome=Outcome.RECENTLY_ANSWERED).count() == 1
    AnswerWindow.objects.update(answered_at=Email.objects.get().created - timedelta(hours=25))
    inbox.deliver(message(text="a day later"))
    assert len(answers()) == 2


def test_the_window_is_per_reply_address(inbox, message, settings):
    settings.MAILROOM_REPLY_ADDRESSES = [REPLY_ADDRESS, "alerts@example.com"]
    inbox.deliver(message())
    inbox.deliver(message(to="alerts@example.com"))
    assert sorted(a.from_email for a in answers()) == ["alerts@example.com", REPLY_ADDRESS]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto_Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"List_Id": "<news.lists.example>"}, "list-id"),
        ({"List_Unsubscribe": "<mailto:leave@lists.example>"}, "list-unsubscribe"),
        ({"X_Auto_Response_Suppress": "All"}, "X-Auto-Response-Suppress"),
    ],
)
def test_automatic_mail_is_not_answered(inbox, message, headers, why):
    inbox.deliver(message(**headers))
    reply = only_reply()
    assert reply.outcome == Outcome.AUTOMATIC and why in reply.detail
    assert answers() == []


def test_auto_submitted_no_is_answered(inbox, message):
    inbox.deliver(message(Auto_Submitted="no"))
    assert len(answers()) == 1


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.people.example",
        "postmaster@people.example",
        "no-reply@shop.example",
        "noreply@shop.example",
        "do-not-reply@shop.example",
        "news-request@lists.example",
        "owner-news@lists.example",
    ],
)
def test_program_senders_are_not_answered(inbox, message, sender):
    inbox.deliver(message(sender=sender))
    assert only_reply().outcome == Outcome.SENDER
    assert answers() == []


def test_an_empty_envelope_sender_is_not_answered(inbox, message):
    inbox.deliver(message(), sender="<>")
    reply = only_reply()
    assert reply.outcome == Outcome.SENDER and "empty" in reply.detail
    assert answers() == []


@pytest.mark.parametrize("verdict", ["spam", "virus"])
def test_spam_or_virus_is_not_answered(inbox, message, verdict):
    inbox.deliver(message(), verdicts={verdict: "FAIL"})
    reply = only_reply()
    assert reply.outcome == Outcome.VERDICT and verdict in reply.detail
    assert getattr(reply.received, f"{verdict}_verdict") == "FAIL"
    assert answers() == []


def test_a_suppressed_sender_is_not_answered(inbox, message):
    Unsubscribe.objects.create(address="jane@people.example", reason="complaint", scope="all")
    inbox.deliver(message())
    assert only_reply().outcome == Outcome.SUPPRESSED
    assert answers() == []


def test_mail_to_an_address_that_does_not_answer_is_stored_only(inbox, message, settings):
    settings.MAILROOM_REPLY_ADDRESSES = []
    inbox.deliver(message())
    assert only_reply().outcome == Outcome.NOT_A_REPLY_ADDRESS
    assert answers() == []


def test_mail_from_one_of_our_own_reply_addresses_is_not_answered(inbox, message, settings):
    settings.MAILROOM_REPLY_ADDRESSES = [REPLY_ADDRESS, "alerts@example.com"]
    inbox.deliver(message(sender="alerts@example.com"))
    assert only_reply().outcome == Outcome.SENDER
    assert answers() == []


def test_the_answer_text_comes_from_a_post_office_template(inbox, message, settings):
    from post_office.models import EmailTemplate

    EmailTemplate.objects.create(
        name="reply-answer", subject="We did not read: {{ subject }}", content="Use the site."
    )
    settings.MAILROOM_REPLY_TEMPLATE = "reply-answer"
    inbox.deliver(message())
    [answer] = answers()
    assert answer.template.name == "reply-answer"


def test_forwarding_sends_a_copy_with_the_original_attached(inbox, message, settings):
    settings.MAILROOM_REPLIES_FORWARD_TO = "support@example.com"
    inbox.deliver(message(Precedence="bulk"))  # not answered, still forwarded
    reply = only_reply()
    forward = reply.forward
    assert forward.to == ["support@example.com"]
    assert forward.headers["Reply-To"] == "Jane Doe <jane@people.example>"
    assert forward.headers["Auto-Submitted"] == "auto-generated"
    [attachment] = forward.attachments.all()
    assert attachment.mimetype == "message/rfc822"
    assert attachment.file.read() == bytes(reply.received.raw)


def test_forwarding_never_loops_back_to_the_support_address(inbox, message, settings):
    settings.MAILROOM_REPLIES_FORWARD_TO = "support@example.com"
    inbox.deliver(message(sender="support@example.com"))
    assert only_reply().forward is None
