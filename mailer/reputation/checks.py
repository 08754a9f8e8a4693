"""System checks for the reputation guard's settings (ids reputation.E001 …)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from mailer.reputation.conf import get_settings
from mailer.reputation.exceptions import ReputationConfigurationError


@register()
def check_reputation_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    """Thresholds must be percentages with warn <= pause; windows and samples at least 1."""
    try:
        get_settings()
    except ReputationConfigurationError as exc:
        return [Error(str(exc), id="reputation.E001")]
    return []
