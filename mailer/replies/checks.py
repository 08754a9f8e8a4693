"""System checks for the replies settings (ids replies.E001 …)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from mailer.replies.conf import RepliesConfigurationError, get_settings


@register()
def check_replies_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    """Reply and forwarding addresses must be valid, and forwarding must not loop."""
    try:
        get_settings()
    except RepliesConfigurationError as exc:
        return [Error(str(exc), id="replies.E001")]
    return []
