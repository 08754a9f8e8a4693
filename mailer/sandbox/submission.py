"""A send request as both protocols describe it: who sends what to whom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr

from . import mime
from .errors import SandboxError

# SES's fixed limits: recipients per message, and raw message size per API (v1 SendRawEmail
# 10 MB; v2 SendEmail 40 MB, its default since 2022).
MAX_RECIPIENTS = 50
MAX_RAW_BYTES = {"v1": 10 * 1024 * 1024, "v2": 40 * 1024 * 1024}


@dataclass
class Submission:
    """One send request; `raw` is None for simple sends until someone needs it."""

    api: str
    source: str
    destinations: list[str]
    subject: str
    configuration_set: str | None
    region: str
    raw: bytes | None = None
    build_raw: Callable[[], bytes] | None = field(default=None, repr=False)

    def raw_bytes(self) -> bytes:
        """The raw message, building it for simple sends."""
        if self.raw is None and self.build_raw is not None:
            self.raw = self.build_raw()
        return self.raw or b""

    def context(self) -> dict[str, str]:
        """Values for error message templates."""
        return {
            "source": self.source,
            "domain": self.source.rpartition("@")[2],
            "config": self.configuration_set or "",
            "region": self.region.upper(),
            "recipients": ", ".join(self.destinations),
        }


def unique(addresses: list[str]) -> list[str]:
    """Addresses in order, each once (compared case-insensitively)."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return [address for key, address in seen.items() if key]


def from_raw(
    api: str,
    raw: bytes,
    destinations: list[str],
    source: str | None,
    configuration_set: str | None,
    region: str,
) -> Submission:
    """A raw send; recipients, sender and configuration set default to the message headers."""
    _check_size(api, raw)
    summary = mime.summarize(raw)
    recipients = unique(destinations or summary.recipients)
    sender = source or summary.sender
    _require(sender, recipients)
    config = configuration_set or summary.configuration_set
    return Submission(api, sender or "", recipients, summary.subject, config, region, raw=raw)


def from_simple(
    api: str,
    source: str | None,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    reply_to: list[str],
    subject: str,
    text: str | None,
    html: str | None,
    configuration_set: str | None,
    region: str,
) -> Submission:
    """A simple send (subject and bodies given as fields)."""
    recipients = unique(to + cc + bcc)
    _require(source, recipients)
    sender = source or ""

    def build() -> bytes:
        return mime.build_simple(sender, to, cc, reply_to, subject, text, html)

    return Submission(api, sender, recipients, subject, configuration_set, region, build_raw=build)


def _require(source: str | None, recipients: list[str]) -> None:
    if not source:
        raise SandboxError("InvalidParameterValue", detail="Missing source (Source / From).")
    if not recipients:
        raise SandboxError("InvalidParameterValue", detail="Recipient address not specified.")
    if len(recipients) > MAX_RECIPIENTS:
        raise SandboxError(
            "InvalidParameterValue", detail=f"Recipient count exceeds {MAX_RECIPIENTS}."
        )
    for address in (source, *recipients):
        _check_address(address)


def _check_address(address: str) -> None:
    """SES takes 7-bit addresses with a domain: an IDN domain in Punycode, a display name
    with other characters as a MIME encoded-word (SMTPUTF8 is not supported)."""
    if not address.isascii():
        detail = f"Illegal address (not 7-bit ASCII; use Punycode / encoded-words): {address}"
        raise SandboxError("InvalidParameterValue", detail=detail)
    if "@" not in parseaddr(address)[1]:
        raise SandboxError("InvalidParameterValue", detail="Missing final '@domain'")


def _check_size(api: str, raw: bytes) -> None:
    limit = MAX_RAW_BYTES[api.partition("-")[0]]
    if len(raw) > limit:
        raise SandboxError("MessageTooLong", limit=str(limit), length=str(len(raw)))
