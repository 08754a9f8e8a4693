"""Bench only: one Celery task per email, paced by Celery's per-worker rate_limit alone.

Workers load it with ``-I bench.celery_rate``; ``bench/rate.py`` sets the rate limit by remote
control. It is what issue 3 replaces: each worker keeps its own count, in tasks, not recipients.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="bench.send_one", ignore_result=True)
def send_one(email_id: int) -> str:
    """Send one queued email straight to SES; a refused one ends failed (SES dropped it)."""
    from post_office.models import STATUS, Email

    from mailer import aws
    from mailer.exceptions import SESError

    email = Email.objects.get(id=email_id)
    try:
        aws.send(email.prepare_email_message())
    except SESError as exc:
        Email.objects.filter(id=email_id).update(status=STATUS.failed)
        return type(exc).__name__
    Email.objects.filter(id=email_id).update(status=STATUS.sent)
    return "sent"
