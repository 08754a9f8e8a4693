"""A campaign's progress: counts per recipient state, feedback counts, send rate and ETA; and
its server-rendered bar and detail table for the admin (inline CSS, no assets)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from mailer.campaigns import reconcile
from mailer.campaigns.conf import get_campaign_settings
from mailer.campaigns.models import AudienceMember, Campaign, CampaignRecipient
from mailer.conf import get_settings
from mailer.exceptions import RateLimiterUnavailable
from mailer.pacing.limiter import get_limiter

State = CampaignRecipient.State
WAITING = (State.PENDING, State.QUEUED)
COLOURS = {
    "sent": "#2e7d32", "bounced": "#ef6c00", "complained": "#8e24aa", "failed": "#c62828",
    "suppressed": "#757575", "cancelled": "#424242", "queued": "#90caf9", "pending": "#e6e6e6",
}


@dataclass(frozen=True)
class Progress:
    """Where a campaign stands.

    ``rate`` is recipients sent per second over the last ``rate_seconds`` (from the first send
    within the rate window, so a run that started 12 s ago is not divided by 60), and 0 unless
    the campaign is sending. ``limit_rate`` is the account rate the shared limiter paces all
    mail at. The ETA comes from ``rate``, or from ``limit_rate`` before anything was sent
    (``eta_basis`` says which).
    """

    campaign: str
    status: str
    counts: dict[str, int]
    delivered: int
    opened: int
    clicked: int
    rate: float
    rate_seconds: float
    limit_rate: float
    eta_seconds: float | None
    eta_basis: str | None
    waiting_for_quota_until: datetime | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def remaining(self) -> int:
        return sum(self.counts[state] for state in WAITING)

    @property
    def done_fraction(self) -> float:
        return 1.0 - self.remaining / self.total if self.total else 1.0

    @property
    def rate_label(self) -> str:
        """The current rate with the window it was measured over, or why there is none."""
        if self.status != Campaign.Status.SENDING:
            return f"0/s ({self.status})"
        if not self.rate_seconds:
            return "0/s (nothing sent in the last minute)"
        return f"{self.rate:g}/s over the last {self.rate_seconds:g} s"

    @property
    def eta_label(self) -> str:
        """"0:00:23 at the current rate", or "-" when not sending."""
        if self.eta_seconds is None:
            return "-"
        return f"{timedelta(seconds=round(self.eta_seconds))} at the {self.eta_basis}"

    def as_dict(self) -> dict[str, Any]:
        """Counts keyed by state name, then the other figures (JSON-ready)."""
        figures = asdict(self)
        counts = figures.pop("counts")
        until = self.waiting_for_quota_until
        figures["waiting_for_quota_until"] = until.isoformat() if until else None
        return {**counts, "total": self.total, **figures}


def progress(campaign: Campaign, now: datetime | None = None) -> Progress:
    """Sync an active campaign's recipients with their emails, then measure it."""
    now = now or timezone.now()
    if campaign.status in reconcile.ACTIVE:
        reconcile.sync(campaign.id)
        campaign.refresh_from_db()
    counts = state_counts(campaign)
    figures = _feedback_counts(campaign, now)
    sending = campaign.status == Campaign.Status.SENDING
    recent, first = figures.pop("recent"), figures.pop("first_recent")
    rate_seconds = max((now - first).total_seconds(), 1.0) if sending and first else 0.0
    rate = round(recent / rate_seconds, 2) if rate_seconds else 0.0  # the ETA uses it as shown
    limit = limit_rate()
    eta, basis = _eta(sum(counts[state] for state in WAITING), rate, limit, sending)
    return Progress(
        campaign=campaign.name, status=campaign.status, counts=counts, rate=rate,
        rate_seconds=round(rate_seconds), limit_rate=limit, eta_seconds=eta, eta_basis=basis,
        waiting_for_quota_until=campaign.not_before if sending else None, **figures,
    )


def _eta(
    remaining: int, rate: float, limit: float, sending: bool
) -> tuple[float | None, str | None]:
    """Seconds left at the current rate (at the account limit before the first send)."""
    if not sending:
        return None, None
    if rate:
        return round(remaining / rate, 1), "current rate"
    return round(remaining / limit, 1), "account limit"


def state_counts(campaign: Campaign) -> dict[str, int]:
    """Recipients per state; members not enrolled yet count as pending."""
    counts = dict.fromkeys(State.values, 0)
    rows = CampaignRecipient.objects.filter(campaign=campaign).values("state")
    counts.update({row["state"]: row["n"] for row in rows.annotate(n=Count("id")).order_by()})
    if not campaign.enrolled:
        later = AudienceMember.objects.filter(audience_id=campaign.audience_id)
        counts[State.PENDING] += later.filter(id__gt=campaign.enrol_cursor).count()
    return counts


def _feedback_counts(campaign: Campaign, now: datetime) -> dict[str, Any]:
    since = now - timedelta(seconds=get_campaign_settings().rate_window_seconds)
    return CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        recent=Count("id", filter=Q(sent_at__gte=since)),
        first_recent=Min("sent_at", filter=Q(sent_at__gte=since)),
    )


def limit_rate() -> float:
    """Recipients/s the shared limiter paces at; without one stored (or Redis), the configured
    rate (MAILROOM_MAX_SEND_RATE, else 1/s)."""
    try:
        rate = get_limiter().rate()
    except RateLimiterUnavailable:
        rate = None
    return rate or get_settings().send_rate(None)


def bar_html(progress: Progress, width: int = 160) -> SafeString:
    """A stacked bar of the recipient states with the percentage finished."""
    return render_to_string("campaigns/progress_bar.html", _html_context(progress, width))


def detail_html(progress: Progress) -> SafeString:
    """The bar and a table of every count, the rate and the ETA."""
    return render_to_string("campaigns/progress_detail.html", _html_context(progress, 320))


def _html_context(progress: Progress, width: int) -> dict[str, Any]:
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
