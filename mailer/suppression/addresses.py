"""Email address normalisation: the one form the suppression list stores and compares."""

from __future__ import annotations

from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.encoding import punycode

from mailer.exceptions import InvalidAddress

MAX_LENGTH = 254


def normalize(address: str) -> str:
    """Trim, lower-case the local part and the domain, IDNA-encode the domain; or raise."""
    local, at, domain = address.strip().rpartition("@")
    if not (at and local and domain):
        raise _invalid(address, "it needs a local part, an @ and a domain")
    try:
        ascii_domain = punycode(domain.lower().rstrip("."))
    except UnicodeError:
        raise _invalid(address, "its domain cannot be IDNA-encoded") from None
    normalized = f"{local.lower()}@{ascii_domain}"
    _validate(address, normalized)
    return normalized


def address_of(recipient: str) -> str:
    """The normalised address of a recipient that may carry a display name ("Jane <j@x>")."""
    _name, bare = parseaddr(recipient)
    return normalize(bare or recipient)


def address_or_none(recipient: str) -> str | None:
    """Like ``address_of`` but None for an address that cannot be normalised."""
    try:
        return address_of(recipient)
    except InvalidAddress:
        return None


def lookup_key(recipient: str) -> str:
    """The normalised form of a recipient, fast and without validation (for send-time lookups).

    Equal to ``address_of`` for every valid recipient; an invalid one gets a key that matches no
    stored (validated) address. "Name <addr>" is read the way post_office validated it.
    """
    text = recipient.strip()
    if text.endswith(">") and "<" in text:
        text = text[text.rfind("<") + 1 : -1].strip()
    local, _at, domain = text.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not domain.isascii():
        domain = _ascii_domain(domain)
    return f"{local.lower()}@{domain}"


def domain_of(address: str) -> str:
    """The normalised domain of an address ("@Example.COM" and "example.com" work too)."""
    domain = address.strip().rpartition("@")[2].lower().rstrip(".")
    try:
        return punycode(domain)
    except UnicodeError:
        raise _invalid(address, "its domain cannot be IDNA-encoded") from None


def _ascii_domain(domain: str) -> str:
    try:
        return punycode(domain)
    except UnicodeError:
        return domain  # cannot be on the list: stored domains are all ASCII


def _validate(original: str, normalized: str) -> None:
    if len(normalized) > MAX_LENGTH:
        raise _invalid(original, f"it is longer than {MAX_LENGTH} characters")
    try:
        validate_email(normalized)
    except ValidationError:
        raise _invalid(original, "it is not a valid email address") from None


def _invalid(address: str, why: str) -> InvalidAddress:
    return InvalidAddress(f"{address.strip()!r} cannot be used: {why}.", code="invalid_address")
