"""The SES mailbox simulator: which recipients produce which feedback (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from bouncy.events import FeedbackType

DOMAIN = "simulator.amazonses.com"


@dataclass(frozen=True)
class Scenario:
    """What SES does for one simulator mailbox."""

    mailbox: str
    kind: FeedbackType
    bounce_sub_type: str = ""


SCENARIOS: dict[str, Scenario] = {
    "success": Scenario("success", FeedbackType.DELIVERY),
    "ooto": Scenario("ooto", FeedbackType.DELIVERY),  # delivered; the auto-reply goes to the sender
    "bounce": Scenario("bounce", FeedbackType.BOUNCE, "General"),
    "suppressionlist": Scenario("suppressionlist", FeedbackType.BOUNCE, "OnAccountSuppressionList"),
    "complaint": Scenario("complaint", FeedbackType.COMPLAINT),
}


@dataclass(frozen=True)
class Outcome:
    """One notification to produce: a scenario and the recipients it applies to."""

    scenario: Scenario
    recipients: tuple[str, ...]


def bare(recipient: str) -> str:
    """The address alone, as SES reports it ("Jane <jane@x>" -> "jane@x")."""
    return parseaddr(recipient)[1] or recipient.strip()


def scenario_for(address: str) -> Scenario | None:
    """The scenario of a simulator address (`+label` and letter case ignored), else None."""
    local, at, domain = bare(address).rpartition("@")
    if not at or domain.lower() != DOMAIN:
        return None
    return SCENARIOS.get(local.split("+", 1)[0].lower())


def mentions_simulator(recipients: list[str]) -> bool:
    """A cheap test run on every accepted send."""
    return any(DOMAIN in recipient.lower() for recipient in recipients)


def outcomes(recipients: list[str], blocked: frozenset[str] = frozenset()) -> list[Outcome]:
    """One outcome per simulator mailbox used, with its recipients in the order given;
    `blocked` addresses (lower-cased, on the account's suppression list) bounce as listed."""
    grouped: dict[str, list[str]] = {}
    for recipient in recipients:
        listed = bare(recipient).lower() in blocked
        found = SCENARIOS["suppressionlist"] if listed else scenario_for(recipient)
        if found is not None:
            grouped.setdefault(found.mailbox, []).append(bare(recipient))
    return [Outcome(SCENARIOS[name], tuple(addresses)) for name, addresses in grouped.items()]
