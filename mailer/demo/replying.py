"""The demo's reply: a recipient answers a notification; Mailroom answers once, kindly."""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

from post_office.models import STATUS, Email

if TYPE_CHECKING:
    from mailer.replies.models import Reply

SIM = "simulator.amazonses.com"


@dataclass(frozen=True)
class ReplyStory:
    """What happened to the demo's reply, for the summary."""

    sender: str
    subject: str
    linked_email_id: int | None
    outcome: str
    answer_subject: str
    answer_status: str

    def line(self) -> str:
        linked = f"Email #{self.linked_email_id}" if self.linked_email_id else "no Email"
        answer = f'"{self.answer_subject}" ({self.answer_status})' if self.answer_subject else "-"
        return (
            f'  reply from {self.sender} to "{self.subject}": linked to {linked}, '
            f"{self.outcome}; answer {answer}"
        )


def reply_to(email_ids: list[int]) -> tuple[Email, bytes]:
    """A user's reply to the round's first success@ notification, as their mail program writes."""
    sent = Email.objects.filter(id__in=email_ids, to__contains=f"success+1@{SIM}").first()
    if sent is None:  # --successes 0
        sent = Email.objects.filter(id__in=email_ids).order_by("id").first()
    message = EmailMessage()
    message["From"] = sent.to[0]
    message["To"] = sent.from_email
    message["Subject"] = f"Re: {sent.subject}"
    message["Message-ID"] = make_msgid(domain=SIM)
    message["In-Reply-To"] = message["References"] = sent.message_id
    message.set_content("Thanks! Can I change my delivery address?\n")
    return sent, bytes(message)


def wait_for_answer(timeout: float = 30) -> ReplyStory | None:
    """Wait until the reply is stored and its answer (if any) has an outcome."""
    from mailer.replies.models import Reply

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        reply = Reply.objects.select_related("received", "answer").first()
        if reply and (reply.answer is None or reply.answer.status in (STATUS.sent, STATUS.failed)):
            return _story(reply)
        time.sleep(0.2)
    return None


def _story(reply: Reply) -> ReplyStory:
    answer = reply.answer
    return ReplyStory(
        sender=reply.sender,
        subject=reply.received.subject,
        linked_email_id=reply.email_id,
        outcome=reply.get_outcome_display(),
        answer_subject=answer.subject if answer else "",
        answer_status=answer.get_status_display() if answer else "",
    )
