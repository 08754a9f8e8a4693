"""The friendly automatic answer: at most once per sender per address per window, queued."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from post_office import mail
from post_office.models import Email, EmailTemplate

from mailer.replies.conf import RepliesSettings
from mailer.replies.models import AnswerWindow

logger = logging.getLogger(__name__)
MAX_REFERENCES = 10
TRANSACTIONAL = "medium"  # post_office priority: the transactional lane, through the queue


class NotQueued(Exception):
    """post_office refused the answer (an address it cannot use)."""


def claim_window(sender: str, address: str, now: datetime, conf: RepliesSettings) -> bool:
    """Take this sender's answer window at ``address``; False if answered within it.

    The row is locked, so two replies handled at once cannot both be answered.
    """
    window, created = AnswerWindow.objects.select_for_update().get_or_create(
        sender=sender, address=address, defaults={"answered_at": now}
    )
    if created:
        return True
    if window.answered_at > now - conf.window:
        return False
    window.answered_at = now
    window.save(update_fields=["answered_at"])
    return True


def rfc3834_headers(message_id: str, references: list[str]) -> dict[str, str]:
    """Auto-Submitted: auto-replied, and In-Reply-To / References naming the reply."""
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if message_id:
        headers["In-Reply-To"] = message_id
        headers["References"] = " ".join([*references[-MAX_REFERENCES:], message_id])
    return headers


def queue_answer(
    to: str, address: str, subject: str, headers: dict[str, str], conf: RepliesSettings
) -> Email:
    """Queue the answer as transactional mail (the template, else MAILROOM_REPLY_TEXT)."""
    content = _content(subject, conf)
    try:
        return mail.send(
            recipients=[to], sender=address, headers=headers, priority=TRANSACTIONAL, **content
        )
    except ValidationError as exc:
        raise NotQueued(f"post_office refused the answer: {exc}") from exc


def _content(subject: str, conf: RepliesSettings) -> dict[str, Any]:
    """RFC 3834 §3.1.5: the subject is "Auto:" and the original subject."""
    context = {"subject": subject}
    if conf.template:
        if EmailTemplate.objects.filter(name=conf.template, language="").exists():
            return {"template": conf.template, "context": context}
        logger.warning(
            "replies: no post_office template %r; using MAILROOM_REPLY_TEXT", conf.template
        )
    return {"subject": f"Auto: {subject}".strip(), "message": conf.text}
