"""``{% sending_pause_banner %}``: the sending pause (SES refused the account, or the 24-hour
quota is used up) at the top of every admin page, for staff."""

from __future__ import annotations

from typing import Any

from django import template

from mailer.exceptions import RateLimiterUnavailable
from mailer.pacing import quota

register = template.Library()


@register.inclusion_tag("mailer/pause_banner.html", takes_context=True)
def sending_pause_banner(context: template.Context) -> dict[str, Any]:
    """The pause in force when the viewer is staff; Redis down is shown as such."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {}
    try:
        paused = quota.current_pause()
    except RateLimiterUnavailable as exc:
        return {"reason": str(exc), "kind": "redis"}
    if paused is None:
        return {}
    return {"reason": paused.reason, "kind": quota.pause_kind(paused),
            "seconds_left": round(paused.seconds_left)}  # fmt: skip
