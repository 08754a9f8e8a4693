"""A send request as both protocols describe it: who sends what to whom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import mime
from .errors import SandboxError


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
