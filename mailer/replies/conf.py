"""The replies settings as one typed object, read from django.conf.settings when used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings as django_settings

from mailer.exceptions import InvalidAddress, MailerConfigurationError
from mailer.suppression.addresses import normalize


class RepliesConfigurationError(MailerConfigurationError):
    """A MAILROOM_REPLY* setting is wrong; the message names it and what to set."""


@dataclass(frozen=True)
class RepliesSettings:
    """MAILROOM_REPLY_ADDRESSES, MAILROOM_REPLIES_FORWARD_TO and the answer's text."""

    addresses: frozenset[str]
    forward_to: str | None
    template: str | None
    text: str
    window: timedelta


def get_settings() -> RepliesSettings:
    """Read and check the settings now; a wrong one raises, naming the variable."""
    s = django_settings
    addresses = frozenset(
        _address("MAILROOM_REPLY_ADDRESSES", a) for a in getattr(s, "MAILROOM_REPLY_ADDRESSES", ())
    )
    raw_forward = getattr(s, "MAILROOM_REPLIES_FORWARD_TO", None)
    forward_to = _address("MAILROOM_REPLIES_FORWARD_TO", raw_forward) if raw_forward else None
    if forward_to in addresses:
        raise RepliesConfigurationError(
            f"MAILROOM_REPLIES_FORWARD_TO ({forward_to}) is one of MAILROOM_REPLY_ADDRESSES: "
            "forward to a support mailbox that is not a reply address."
        )
    return RepliesSettings(
        addresses=addresses,
        forward_to=forward_to,
        template=getattr(s, "MAILROOM_REPLY_TEMPLATE", None) or None,
        text=getattr(s, "MAILROOM_REPLY_TEXT", "") or "",
        window=timedelta(hours=getattr(s, "MAILROOM_REPLY_WINDOW_HOURS", 24)),
    )


def _address(name: str, value: str) -> str:
    try:
        return normalize(value)
    except InvalidAddress as exc:
        raise RepliesConfigurationError(f"{name}: {exc}") from None
