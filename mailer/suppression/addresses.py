"""Email address normalisation: the one form the suppression list stores and compares."""

from __future__ import annotations

import re
from email import _header_value_parser as _parser
from email.errors import HeaderParseError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.encoding import punycode

from mailer.exceptions import InvalidAddress

MAX_LENGTH = 254
# A bare address: no display name, comment, quote, group or second address to parse around.
_BARE = re.compile(r'[^\s<>()\[\]\\,;:"@]+@[^\s<>()\[\]\\,;:"@]+')
_STRUCTURE = re.compile(r'[<>(),;:"\\]')


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
    """The normalised, validated mailbox of a recipient ("Jane <j@x> (work)" → "j@x").

    The one identity Mailroom stores a suppression under and checks a recipient by: the single
    mailbox an RFC 5322 parser reads from the recipient (display names, quoted names and
    comments dropped), normalised. Anything else (a group, two addresses, nothing parseable)
    raises InvalidAddress.
    """
    local, domain = mailbox(recipient)
    return normalize(f"{local}@{domain}")


def address_or_none(recipient: str) -> str | None:
    """Like ``address_of`` but None for an address that cannot be normalised."""
    try:
        return address_of(recipient)
    except InvalidAddress:
        return None


def lookup_key(recipient: str) -> str:
    """``address_of`` without the validation, fast (send-time lookups); InvalidAddress if the
    recipient is not exactly one mailbox.

    Equal to ``address_of`` for every valid recipient; a parseable but invalid one gets a key
    that matches no stored (validated) address.
    """
    local, domain = mailbox(recipient)
    domain = domain.lower().rstrip(".")
    if not domain.isascii():
        domain = _ascii_domain(domain)
    return f"{local.lower()}@{domain}"


def mailbox(recipient: str) -> tuple[str, str]:
    """The (local part, domain) SES delivers a recipient to; InvalidAddress if not one mailbox.

    A bare address takes a fast path. Anything else is read by the RFC 5322 parser Django uses to
    write the address headers (``email._header_value_parser``, as ``sanitize_address`` does), and
    must be exactly one mailbox: ``email.utils.parseaddr`` would read "g: a@x, b@y;" as "a@x"
    while SES delivers to both.
    """
    text = recipient.strip()
    if _BARE.fullmatch(text):
        local, _at, domain = text.rpartition("@")
        return local, domain
    try:
        token, rest = _parser.get_mailbox(text)
    except (HeaderParseError, ValueError, IndexError):
        raise _unparseable(recipient, "it is not an email address") from None
    if rest.strip() or not token.local_part or not token.domain:
        raise _unparseable(recipient, "it is not exactly one mailbox (a single address)")
    return token.local_part, token.domain


def _unparseable(recipient: str, why: str) -> InvalidAddress:
    """The error for a recipient the parser refused: normalize's own reason for a would-be bare
    address ("no-at-sign", "jane doe@x"), which says more than "not an email address"."""
    if not _STRUCTURE.search(recipient):
        try:
            normalize(recipient)
        except InvalidAddress as exc:
            return exc
    return _invalid(recipient, why)


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
