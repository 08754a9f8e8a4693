"""bouncy's settings as one typed object, read from django.conf.settings when used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from bouncy.exceptions import BouncyConfigurationError

# SNS signing certificates live at https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem.
# The region is spelled out (xx[-gov]-name-N) rather than [a-z0-9-]+: S3 serves any bucket named
# "sns" at sns.s3-<region>.amazonaws.com and sns.s3-accelerate.amazonaws.com, the very hole of
# django-ses's CVE-001. It is matched with re.fullmatch: "$" cannot let a trailing "\n" in.
DEFAULT_CERT_URL_PATTERN = (
    r"^https://sns\.[a-z]{2}(-gov)?-[a-z]+-[0-9]+\.amazonaws\.com(\.cn)?"
    r"/SimpleNotificationService-[0-9a-f]+\.pem$"
)
# A Received notification (SES receiving, SNS action) carries up to 150 KB of mail as base64
# inside SNS's 256 KB message, whose JSON escaping the envelope adds to.
DEFAULT_MAX_BODY_BYTES = 384 * 1024
DEFAULT_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class BouncySettings:
    """The BOUNCY_* settings (environment names in docs/bouncy.md)."""

    topic_arns: frozenset[str]
    auto_subscribe: bool
    cert_url_pattern: str
    dev_cert_hosts: frozenset[str]
    max_body_bytes: int
    debug: bool
    max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS
    fetch_timeout: float = 5.0
    cert_max_bytes: int = 64 * 1024
    cert_cache_seconds: int = 24 * 3600

    @property
    def cert_url_regex(self) -> re.Pattern[str]:
        """The compiled BOUNCY_CERT_URL_PATTERN; a bad pattern names the setting."""
        return compile_pattern(self.cert_url_pattern)

    @property
    def active_dev_hosts(self) -> frozenset[str]:
        """BOUNCY_DEV_CERT_HOSTS, honoured only while DEBUG is on."""
        return self.dev_cert_hosts if self.debug else frozenset()


@lru_cache(maxsize=8)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a certificate URL pattern once per distinct value."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise BouncyConfigurationError(
            f"BOUNCY_CERT_URL_PATTERN is not a valid regular expression ({exc}): "
            "unset it to use the SNS default"
        ) from None


def get_settings() -> BouncySettings:
    """The settings, read once and again after a change (tests change them with pytest-django's
    ``settings``, which sends ``setting_changed``): the webhook asks on every request."""
    global _cached
    if _cached is None:
        _cached = _read()
    return _cached


_cached: BouncySettings | None = None


@receiver(setting_changed, dispatch_uid="bouncy.conf.forget")
def _forget(setting: str, **kwargs: object) -> None:
    global _cached
    if setting.startswith("BOUNCY_") or setting == "DEBUG":
        _cached = None


def _read() -> BouncySettings:
    s = django_settings
    return BouncySettings(
        topic_arns=frozenset(getattr(s, "BOUNCY_TOPIC_ARN", ())),
        auto_subscribe=bool(getattr(s, "BOUNCY_AUTO_SUBSCRIBE", False)),
        cert_url_pattern=getattr(s, "BOUNCY_CERT_URL_PATTERN", None) or DEFAULT_CERT_URL_PATTERN,
        dev_cert_hosts=frozenset(h.lower() for h in getattr(s, "BOUNCY_DEV_CERT_HOSTS", ())),
        max_body_bytes=int(getattr(s, "BOUNCY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
        debug=bool(s.DEBUG),
        max_age_seconds=int(getattr(s, "BOUNCY_MAX_AGE", DEFAULT_MAX_AGE_SECONDS)),
        fetch_timeout=float(getattr(s, "BOUNCY_FETCH_TIMEOUT", 5.0)),
    )
