"""System checks for Mailroom's settings (ids mailer.E001 …, mailer.W001 …)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from mailer.conf import get_suppression_settings
from mailer.exceptions import MailerConfigurationError

BACKEND = "mailer.queue.EmailBackend"


@register()
def check_email_backend(app_configs, **kwargs) -> list:
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
def check_credentials(app_configs, **kwargs) -> list:
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
def check_suppression_settings(app_configs, **kwargs) -> list:
    """The soft-bounce limit, window and grace period (at most 30 days) must make sense."""
    try:
        get_suppression_settings()
    except MailerConfigurationError as exc:
        return [Error(str(exc), id="mailer.E010")]
    return []


@register(deploy=True)
def check_unsubscribe_base_url(app_configs, **kwargs) -> list:
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
