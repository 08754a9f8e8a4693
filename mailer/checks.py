"""System checks for Mailroom's settings (ids mailer.E001 …, mailer.W001 …)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from mailer.conf import get_settings, get_suppression_settings
from mailer.exceptions import MailerConfigurationError

BACKEND = "mailer.queue.EmailBackend"


@register()
def check_email_backend(app_configs: Any, **kwargs: Any) -> list[Any]:
    """Mail must be queued as Django built it: EMAIL_BACKEND has to be Mailroom's backend."""
    from mailer.queue import EmailBackend

    try:
        ours = issubclass(import_string(settings.EMAIL_BACKEND), EmailBackend)
    except ImportError:
        ours = False
    if not ours:
        return [Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND!r}: mail will not be queued by Mailroom "
            "as Django built it (post_office's own backend drops HTML-only bodies, alternatives "
            "and inline parts).",
            hint=f"Set EMAIL_BACKEND = '{BACKEND}'.",
            id="mailer.W001",
        )]
    return []


@register(deploy=True)
def check_credentials(app_configs: Any, **kwargs: Any) -> list[Any]:
    """In production (no local endpoint) SES needs credentials."""
    if getattr(settings, "AWS_SES_ENDPOINT_URL", None):
        return []
    if not (settings.AWS_ACCESS_KEY_ID and settings.AWS_SECRET_ACCESS_KEY):
        return [Error(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: SES will refuse every send.",
            hint="Set both in the environment (an IAM user allowed ses:SendRawEmail and "
            "ses:GetSendQuota; see docs/deploy.md).",
            id="mailer.E001",
        )]
    return []


@register()
def check_suppression_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    """The soft-bounce limit, window and grace period (at most 30 days) must make sense."""
    try:
        get_suppression_settings()
    except MailerConfigurationError as exc:
        return [Error(str(exc), id="mailer.E010")]
    return []


@register(deploy=True)
def check_unsubscribe_base_url(app_configs: Any, **kwargs: Any) -> list[Any]:
    """Unsubscribe links need an absolute https base URL in production."""
    url = getattr(settings, "MAILROOM_BASE_URL", None)
    if not url or not url.startswith("https://"):
        return [Error(
            f"MAILROOM_BASE_URL is {url!r}: bulk mail needs https List-Unsubscribe links.",
            hint="Set MAILROOM_BASE_URL to the site's public https URL, e.g. "
            "https://mail.example.com.",
            id="mailer.E011",
        )]
    return []


@register()
def check_lease_covers_a_send(app_configs: Any, **kwargs: Any) -> list[Any]:
    """The lease must outlast a send started near its end: no SES call starts with less than
    its own bound (connect + read timeout) plus slack left, and some room must remain for
    waiting on the limiter; else a worker's outcome could land after another took the email."""
    conf = get_settings()
    needed = 2 * conf.lease_margin_seconds
    if conf.lease_seconds < needed:
        return [Error(
            f"MAILROOM_LEASE_SECONDS is {conf.lease_seconds}: one SES call may last "
            f"{conf.ses_call_seconds:.0f} s (AWS_SES_CONFIG's connect + read timeouts), so a "
            f"lease shorter than {needed:.0f} s leaves no time to wait for the send rate.",
            hint=f"Set MAILROOM_LEASE_SECONDS to {needed:.0f} or more (default 300).",
            id="mailer.E012",
        )]
    return []


@register()
def check_max_retries_deprecated(app_configs: Any, **kwargs: Any) -> list[Any]:
    """MAILROOM_MAX_RETRIES never had an effect; MAILROOM_RETRY_FOR (a duration) replaced it."""
    if getattr(settings, "MAILROOM_MAX_RETRIES", None) is None:
        return []
    return [Warning(
        "MAILROOM_MAX_RETRIES is deprecated and ignored: transient SES errors are retried with "
        "backoff for MAILROOM_RETRY_FOR (default 24h), then the email fails.",
        hint="Remove MAILROOM_MAX_RETRIES; set MAILROOM_RETRY_FOR (e.g. 6h) to retry for less.",
        id="mailer.W010",
    )]


@register()
def check_post_office_celery(app_configs: Any, **kwargs: Any) -> list[Any]:
    """post_office's own Celery task stays off: Mailroom's workers send the queue."""
    if getattr(settings, "POST_OFFICE", {}).get("CELERY_ENABLED"):
        return [Error(
            "POST_OFFICE['CELERY_ENABLED'] is on: post_office would queue its own send task for "
            "every email, beside Mailroom's drains.",
            hint="Leave it False; Mailroom's workers (celery -A project worker) send queued mail.",
            id="mailer.E030",
        )]
    return []
