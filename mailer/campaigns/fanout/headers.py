"""The headers every campaign message carries: one-click unsubscribe (RFC 8058) and List-Id.

Per chunk, the unsubscribe headers are made fast: the same tokens as
``mailer.suppression.unsubscribe``, with the HMAC key computed once."""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as encode_json_string
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.text import slugify

from mailer.conf import get_suppression_settings
from mailer.suppression.addresses import address_of, domain_of
from mailer.suppression.unsubscribe import (
    MAX_LIST_ID,
    ONE_CLICK,
    SALT,
    make_token,
    unsubscribe_headers,
)

PLACEHOLDER = "TOKEN"
SHA256_BLOCK = 64
HeaderMaker = Callable[[str], dict[str, str]]


URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    """base64.urlsafe_b64encode without padding, minus that module's Python layers."""
    return binascii.b2a_base64(data, newline=False).translate(URLSAFE).rstrip(b"=").decode()


class FastSigner:
    """django.core.signing.Signer(salt=SALT).sign_object with its derived key computed once."""

    def __init__(self, list_id: str) -> None:
        # salted_hmac derives the key from salt + SECRET_KEY on every call; derive it once.
        secret = force_bytes(f"{SALT}signer") + force_bytes(settings.SECRET_KEY)
        key = hashlib.sha256(secret).digest().ljust(SHA256_BLOCK, b"\0")
        # HMAC (RFC 2104) from two keyed hash states copied per token: hmac.HMAC's copy()
        # and digest() wrap the same C objects in Python, at three times the cost.
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
        self._tail = "," + encode_json_string(list_id) + "]"

    def token(self, address: str) -> str:
        """make_token(address, list_id) for an already normalised address."""
        # What json.dumps([address, list_id], separators=(",", ":")) writes, list_id pre-encoded.
        value = _b64(("[" + encode_json_string(address) + self._tail).encode("latin-1"))
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(value.encode())
        outer.update(inner.digest())
        return f"{value}:{_b64(outer.digest())}"


def _is_normal(address: str) -> bool:
    """True when normalize() would return ``address`` unchanged (ASCII, lower-case, no spaces)."""
    plain = address.isascii() and address == address.lower() and address == address.strip()
    return plain and not address.endswith(".")


def header_maker(list_id: str, list_name: str, sample: str) -> HeaderMaker:
    """Per-recipient headers: the fast builder if it matches the slow one on ``sample``."""
    slow = message_headers(sample, list_id, list_name)  # also raises if MAILROOM_BASE_URL is unset
    fast = FastHeaders(list_id, slow["List-Id"])
    if _is_normal(sample) and fast(sample) == slow:
        return fast
    return lambda address: message_headers(address, list_id, list_name)


class FastHeaders:
    """message_headers() for one list, with the signer's key and the link around it kept.

    The token is the only per-recipient part, so callers that write many rows (the
    fan-out's COPY rows) take ``token`` and ``for_token`` apart.
    """

    def __init__(self, list_id: str, list_header: str) -> None:
        self._list_id, self._list_header = list_id, list_header
        self._signer = FastSigner(list_id)
        base = (get_suppression_settings().base_url or "").rstrip("/")
        path = reverse("mailer:unsubscribe", kwargs={"token": PLACEHOLDER})
        self._prefix, self._suffix = (base + path).rsplit(PLACEHOLDER, 1)
        self._mailto = get_suppression_settings().unsubscribe_mailto

    def __call__(self, address: str) -> dict[str, str]:
        return self.for_token(self.token(address))

    def token(self, address: str) -> str:
        """The signed unsubscribe token of a normalised address."""
        return (
            self._signer.token(address)
            if _is_normal(address)
            else make_token(address, self._list_id)
        )

    def link(self, token: str) -> str:
        """The one-click https URL for ``token``."""
        return f"{self._prefix}{token}{self._suffix}"

    def for_token(self, token: str) -> dict[str, str]:
        """The three headers around ``token``."""
        links = f"<{self.link(token)}>"
        if self._mailto:
            links += f", <mailto:{self._mailto}?subject={quote(f'unsubscribe {token}')}>"
        return {
            "List-Unsubscribe": links,
            "List-Unsubscribe-Post": ONE_CLICK,
            "List-Id": self._list_header,
        }


HTTP_LINK = re.compile(r"<(https?://[^>]+)>")


def default_list_id(name: str, from_email: str) -> str:
    """An RFC 2919 list identifier from the campaign's name and its sender's domain."""
    label = slugify(name)[:40] or "campaign"
    return f"{label}.{domain_of(address_of(from_email))}"[:MAX_LIST_ID]


def message_headers(address: str, list_id: str, list_name: str) -> dict[str, str]:
    """List-Unsubscribe, List-Unsubscribe-Post and List-Id for one recipient."""
    name = " ".join(list_name.replace('"', "").replace("\\", "").split())
    return {**unsubscribe_headers(address, list_id), "List-Id": f'"{name}" <{list_id}>'}


def unsubscribe_link(headers: dict[str, str]) -> str:
    """The one-click https URL in List-Unsubscribe (RFC 8058 requires exactly one)."""
    match = HTTP_LINK.search(headers["List-Unsubscribe"])
    return match.group(1) if match else ""
