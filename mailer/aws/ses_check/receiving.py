"""Service: the receiving side of the setup check: does an active receipt rule publish the
replies to each MAILROOM_REPLY_ADDRESSES address to a topic the webhook accepts?"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from mailer.aws import account, clients
from mailer.aws.ses_check.report import Finding, denied, ok, problem, skipped
from mailer.exceptions import SESError

ACTION_KINDS = (("SNSAction", "SNS action, the message inline"),
                ("S3Action", "S3 action, the message in S3"))  # fmt: skip
SETUP = "docs/deploy.md, Receiving replies"


def check_receipt_rules(addresses: list[str]) -> list[Finding]:
    """One finding per reply address (or one saying none is configured)."""
    if not addresses:
        return [skipped("receiving: MAILROOM_REPLY_ADDRESSES is empty, no address answers")]
    try:
        rule_set = account.active_receipt_rule_set()
    except SESError as exc:
        return [denied("ses:DescribeActiveReceiptRuleSet", exc)]
    if "Metadata" not in rule_set:
        return [problem(
            f"receiving: no receipt rule set is active in {clients.region()}: mail to "
            f"{', '.join(addresses)} bounces; create and activate one ({SETUP})"
        )]  # fmt: skip
    name = rule_set["Metadata"].get("Name", "?")
    rules = [rule for rule in rule_set.get("Rules", []) if rule.get("Enabled")]
    return [_check_address(address, name, rules) for address in addresses]


def _check_address(address: str, rule_set: str, rules: list[dict[str, Any]]) -> Finding:
    matching = [rule for rule in rules if _matches(address, rule.get("Recipients") or [])]
    if not matching:
        return problem(
            f"receiving: no enabled rule of the active rule set {rule_set} matches {address}: "
            f"add {address} (or its domain) to a rule's recipients ({SETUP})"
        )
    allowed = set(settings.BOUNCY_TOPIC_ARN)
    for rule in matching:
        for topic, how in _topics(rule):
            if topic in allowed:
                return ok(
                    f"receiving: {address}: rule {rule.get('Name', '?')} of {rule_set} "
                    f"publishes to {topic} ({how})"
                )
    published = sorted({topic for rule in matching for topic, _ in _topics(rule)})
    if not published:
        return problem(
            f"receiving: the rules matching {address} publish to no SNS topic: add an SNS "
            f"action (or an S3 action with an SNS topic) ({SETUP})"
        )
    return problem(
        f"receiving: the rules matching {address} publish to {', '.join(published)}, which "
        "BOUNCY_TOPIC_ARN does not list: add it so the webhook accepts the replies"
    )


def _matches(address: str, recipients: list[str]) -> bool:
    """SES's matching: no recipients = all; an address; a domain; ".domain" = its subdomains."""
    if not recipients:
        return True
    domain = address.rpartition("@")[2].lower()
    for recipient in (r.lower() for r in recipients):
        if recipient in (address.lower(), domain):
            return True
        if recipient.startswith(".") and domain.endswith(recipient):
            return True
    return False


def _topics(rule: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for action in rule.get("Actions", []):
        for kind, how in ACTION_KINDS:
            topic = action.get(kind, {}).get("TopicArn")
            if topic:
                found.append((topic, how))
    return found
