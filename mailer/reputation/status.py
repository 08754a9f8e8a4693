"""The guard's part of ``mailer_status``: the latest rates per stream and the guard's state."""

from __future__ import annotations

from typing import Any

from mailer.reputation import guard, snapshots
from mailer.reputation.conf import get_settings
from mailer.reputation.models import RateSnapshot
from mailer.reputation.policy import percent


def _stream(row: RateSnapshot) -> dict[str, Any]:
    return {
        "name": row.campaign_name or row.get_stream_display(),
        "recipients": row.recipients,
        "delivered": row.delivered,
        "hard_bounces": row.hard_bounces,
        "soft_bounces": row.soft_bounces,
        "complaints": row.complaints,
        "bounce_rate": row.bounce_rate,
        "complaint_rate": row.complaint_rate,
    }


def summary() -> dict[str, Any]:
    """JSON-serialisable: ``guard`` (level, since, reason), ``taken_at``, ``window_start`` and
    ``rates`` keyed by stream (``all``, ``transactional``, ``bulk``, ``campaign:<id>``)."""
    rows = snapshots.latest()
    first = rows[0] if rows else None
    return {
        "guard": guard.current().as_dict(),
        "taken_at": first.taken_at.isoformat() if first else None,
        "window_start": first.window_start.isoformat() if first else None,
        "rates": {row.key: _stream(row) for row in rows},
    }


def lines(data: dict[str, Any]) -> list[str]:
    """``summary()`` as text lines for ``mailer_status``."""
    state = data["guard"]
    out = [f"reputation guard  {state['level']}" + (f" since {state['since']}: {state['reason']}"
                                                  if state["level"] != guard.OK else "")]
    sample = data["rates"].get("all", {}).get("recipients", 0)
    needed = get_settings().min_sample
    if state["level"] == guard.OK and sample < needed:
        out[0] = f"reputation guard  not judged yet: {sample} of {needed} recipients"
    if not data["rates"]:
        return [*out, "reputation rates  - (no snapshot yet)"]
    for key, s in sorted(data["rates"].items()):
        out.append(f"reputation {key}  bounce {percent(s['bounce_rate'])}, complaint "
                   f"{percent(s['complaint_rate'])} over {s['recipients']} recipients")
    return out
