"""The MAILROOM_REPUTATION_* settings as one typed object, read and checked when used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings

from mailer.reputation.exceptions import ReputationConfigurationError

PREFIX = "MAILROOM_REPUTATION_"


@dataclass(frozen=True)
class Thresholds:
    """Bounce and complaint rates, as fractions (0.02 is 2 %)."""

    bounce: float
    complaint: float


@dataclass(frozen=True)
class ReputationSettings:
    """The rolling window, the thresholds and the minimum samples before the guard acts."""

    window_sends: int
    window: timedelta
    warn: Thresholds
    pause: Thresholds
    min_sample: int
    campaign_min_sample: int
    campaign_factor: float
    notify_admins: bool
    snapshot_retention: timedelta


def _get(name: str, default: Any) -> Any:
    return getattr(django_settings, PREFIX + name, default)


def _percent(name: str, default: float) -> float:
    value = _get(name, default)
    if not 0 < value < 100:
        raise ReputationConfigurationError(
            f"{PREFIX}{name} is {value}: set a percentage above 0 and below 100."
        )
    return float(value) / 100


def _thresholds(level: str, bounce: float, complaint: float) -> Thresholds:
    return Thresholds(
        bounce=_percent(f"{level}_BOUNCE_PERCENT", bounce),
        complaint=_percent(f"{level}_COMPLAINT_PERCENT", complaint),
    )


def _check_order(warn: Thresholds, pause: Thresholds) -> None:
    for kind in ("bounce", "complaint"):
        if getattr(warn, kind) > getattr(pause, kind):
            name = kind.upper()
            raise ReputationConfigurationError(
                f"{PREFIX}WARN_{name}_PERCENT is above {PREFIX}PAUSE_{name}_PERCENT: "
                "set the warning threshold at or below the pause threshold."
            )


def _positive_int(name: str, default: int) -> int:
    value = _get(name, default)
    if value < 1:
        raise ReputationConfigurationError(f"{PREFIX}{name} is {value}: set 1 or more.")
    return int(value)


def _factor() -> float:
    value = _get("CAMPAIGN_FACTOR", 3.0)
    if value < 1:
        raise ReputationConfigurationError(
            f"{PREFIX}CAMPAIGN_FACTOR is {value}: set 1 or more (times the account's bounce rate)."
        )
    return float(value)


def get_settings() -> ReputationSettings:
    """Read the settings now; a wrong one raises ReputationConfigurationError naming it."""
    warn = _thresholds("WARN", 2.0, 0.05)
    pause = _thresholds("PAUSE", 4.0, 0.08)
    _check_order(warn, pause)
    return ReputationSettings(
        window_sends=_positive_int("WINDOW_SENDS", 10000),
        window=timedelta(days=_positive_int("WINDOW_DAYS", 7)),
        warn=warn,
        pause=pause,
        min_sample=_positive_int("MIN_SAMPLE", 1000),
        campaign_min_sample=_positive_int("CAMPAIGN_MIN_SAMPLE", 200),
        campaign_factor=_factor(),
        notify_admins=bool(_get("NOTIFY_ADMINS", True)),
        snapshot_retention=timedelta(days=_positive_int("SNAPSHOT_DAYS", 7)),
    )
