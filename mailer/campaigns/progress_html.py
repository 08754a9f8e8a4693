"""Server-rendered progress bar and detail table for the admin (inline CSS, no assets)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mailer.campaigns.progress import Progress

COLOURS = {
    "sent": "#2e7d32", "bounced": "#ef6c00", "complained": "#8e24aa", "failed": "#c62828",
    "suppressed": "#757575", "cancelled": "#424242", "queued": "#90caf9", "pending": "#e6e6e6",
}


def bar(progress: Progress, width: int = 160) -> SafeString:
    """A stacked bar of the recipient states with the percentage finished."""
    return render_to_string("campaigns/progress_bar.html", _context(progress, width))


def detail(progress: Progress) -> SafeString:
    """The bar and a table of every count, the rate and the ETA."""
    return render_to_string("campaigns/progress_detail.html", _context(progress, 320))


def _context(progress: Progress, width: int) -> dict[str, Any]:
    total = progress.total or 1
    segments = [
        {"state": state, "count": count, "colour": COLOURS.get(state, "#bbb"),
         "percent": round(100 * count / total, 2)}
        for state, count in progress.counts.items()
    ]
    title = ", ".join(f"{s['state']} {s['count']}" for s in segments if s["count"])
    return {
        "progress": progress, "width": width, "title": title, "eta": progress.eta_label,
        "rate": progress.rate_label,
        "segments": [s for s in segments if s["count"] and s["state"] != "pending"],
        "all_states": segments, "percent": round(100 * progress.done_fraction),
    }
