"""``{% reputation_banner %}``: the guard's banner at the top of every admin page, for staff."""

from __future__ import annotations

from typing import Any

from django import template

from mailer.reputation import guard
from mailer.reputation.policy import percent

register = template.Library()


@register.inclusion_tag("reputation/banner.html", takes_context=True)
def reputation_banner(context: template.Context) -> dict[str, Any]:
    """The guard's state when it is not ok and the viewer is staff; else nothing to show."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {"state": None}
    state = guard.current()
    return {"state": state if state.level != guard.OK else None}


@register.filter
def as_percent(rate: float | None) -> str:
    """A fraction as a percentage ("4.25 %"), or "n/a"."""
    return percent(rate)
