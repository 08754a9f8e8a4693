"""One-click unsubscribe (RFC 8058): signed per-recipient tokens, the headers, the action."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.core import signing
from django.urls import reverse

from mailer.conf import get_suppression_settings
from mailer.exceptions import InvalidAddress, InvalidUnsubscribeToken, MailerConfigurationError
from mailer.models import Unsubscribe
from mailer.suppression.addresses import normalize
from mailer.suppression.store import Entry, suppress

SALT = "mailer.unsubscribe"
MAX_LIST_ID = 100
ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class Subscription:
    """What a token names: one normalised address on one list."""

    address: str
    list_id: str


def make_token(address: str, list_id: str) -> str:
    """A signed, URL-safe token for ``address`` on ``list_id`` (deterministic, no expiry)."""
    if not 0 < len(list_id) <= MAX_LIST_ID:
        raise ValueError(f"list_id must have 1 to {MAX_LIST_ID} characters, not {len(list_id)}.")
    return signing.Signer(salt=SALT).sign_object([normalize(address), list_id])


def read_token(token: str) -> Subscription:
    """The subscription a token names; raises InvalidUnsubscribeToken if forged or damaged."""
    try:
        address, list_id = signing.Signer(salt=SALT).unsign_object(token)
        return Subscription(normalize(address), str(list_id))
    except (signing.BadSignature, ValueError, TypeError, InvalidAddress):
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid.") from None


def unsubscribe_url(address: str, list_id: str) -> str:
    """The absolute one-click URL for ``address`` on ``list_id`` (MAILROOM_BASE_URL + path)."""
    return _url(make_token(address, list_id))


def unsubscribe_headers(address: str, list_id: str) -> dict[str, str]:
    """The List-Unsubscribe and List-Unsubscribe-Post headers for one bulk message."""
    token = make_token(address, list_id)
    links = [f"<{_url(token)}>"]
    mailto = get_suppression_settings().unsubscribe_mailto
    if mailto:
        links.append(f"<mailto:{mailto}?subject={quote(f'unsubscribe {token}')}>")
    return {"List-Unsubscribe": ", ".join(links), "List-Unsubscribe-Post": ONE_CLICK}


def unsubscribe(subscription: Subscription) -> Unsubscribe:
    """Suppress the token's one address from bulk mail (idempotent)."""
    source = f"one-click unsubscribe, list {subscription.list_id}"
    reason, scope = Unsubscribe.Reason.UNSUBSCRIBED, Unsubscribe.Scope.BULK
    return suppress(Entry(subscription.address, reason, scope, source))


def _url(token: str) -> str:
    base = get_suppression_settings().base_url
    if not base:
        raise MailerConfigurationError(
            "MAILROOM_BASE_URL is not set: set it to the site's public URL, "
            "e.g. https://mail.example.com, so unsubscribe links can be built."
        )
    return base.rstrip("/") + reverse("mailer:unsubscribe", kwargs={"token": token})
