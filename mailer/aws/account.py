"""The SES/SNS account reads: the send quota (``GetSendQuota``, the one reader and the one type
that carries it, ``Quota``) and what ses_check reads (account, identities, topics,
subscriptions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bouncy.events import FeedbackType
from mailer.aws.clients import client
from mailer.aws.errors import call


@dataclass(frozen=True)
class Quota:
    """SES's send quota: recipients per second and per rolling 24 hours."""

    max_send_rate: float
    max_24_hour_send: float
    sent_last_24_hours: float

    @property
    def exhausted(self) -> bool:
        return self.max_24_hour_send >= 0 and self.sent_last_24_hours >= self.max_24_hour_send


def get_quota() -> Quota:
    """SES v1 ``GetSendQuota``: MaxSendRate, the 24-hour quota and its use (``ses_check`` also
    uses it to prove the credentials work)."""
    answer = call(lambda: client("ses").get_send_quota())
    return Quota(
        max_send_rate=float(answer["MaxSendRate"]),
        max_24_hour_send=float(answer["Max24HourSend"]),
        sent_last_24_hours=float(answer["SentLast24Hours"]),
    )


@dataclass(frozen=True)
class AccountStatus:
    """SES v2 GetAccount: production access and whether sending is enabled."""

    production_access: bool
    sending_enabled: bool
    enforcement_status: str
    suppressed_reasons: tuple[str, ...] = ()  # the account-level suppression list's; () = off


@dataclass(frozen=True)
class IdentityTopics:
    """GetIdentityNotificationAttributes for one identity: topic ARN per feedback type."""

    identity: str
    topics: dict[FeedbackType, str]
    forwarding_enabled: bool


@dataclass(frozen=True)
class EventDestination:
    """An enabled SNS event destination of a configuration set."""

    name: str
    topic_arn: str
    event_types: frozenset[str]


@dataclass(frozen=True)
class Subscription:
    """One subscription of an SNS topic."""

    protocol: str
    endpoint: str
    arn: str

    @property
    def pending(self) -> bool:
        return self.arn in ("PendingConfirmation", "")


def get_account() -> AccountStatus:
    """SES v2 GetAccount."""
    answer = call(lambda: client("sesv2").get_account())
    return AccountStatus(
        production_access=bool(answer.get("ProductionAccessEnabled")),
        sending_enabled=bool(answer.get("SendingEnabled")),
        enforcement_status=str(answer.get("EnforcementStatus", "")),
        suppressed_reasons=tuple(
            answer.get("SuppressionAttributes", {}).get("SuppressedReasons", [])
        ),
    )


def verification_statuses(identities: list[str]) -> dict[str, str]:
    """VerificationStatus (Success, Pending, Failed, …) of each identity SES knows."""
    answer = call(lambda: client("ses").get_identity_verification_attributes(Identities=identities))
    found = answer.get("VerificationAttributes", {})
    return {identity: value.get("VerificationStatus", "") for identity, value in found.items()}


def notification_topics(identity: str) -> IdentityTopics:
    """The Bounce/Complaint/Delivery topics set on an identity."""
    answer = call(lambda: client("ses").get_identity_notification_attributes(Identities=[identity]))
    value = answer.get("NotificationAttributes", {}).get(identity, {})
    topics = {kind: value[f"{kind}Topic"] for kind in FeedbackType if value.get(f"{kind}Topic")}
    return IdentityTopics(identity, topics, bool(value.get("ForwardingEnabled", True)))


def event_destinations(configuration_set: str) -> list[EventDestination]:
    """The enabled SNS event destinations of a configuration set (SES v2)."""
    answer = call(
        lambda: client("sesv2").get_configuration_set_event_destinations(
            ConfigurationSetName=configuration_set
        )
    )
    return [
        _destination(item)
        for item in answer.get("EventDestinations", [])
        if item.get("Enabled") and item.get("SnsDestination", {}).get("TopicArn")
    ]


def subscriptions(topic_arn: str) -> list[Subscription]:
    """Every subscription of an SNS topic (all pages)."""
    items = call(lambda: _all_subscriptions(topic_arn), "SNS")
    return [
        Subscription(
            item.get("Protocol", ""), item.get("Endpoint", ""), item.get("SubscriptionArn", "")
        )
        for item in items
    ]


def active_receipt_rule_set() -> dict[str, Any]:
    """SES v1 DescribeActiveReceiptRuleSet: ``Metadata`` and ``Rules`` ({} when none is active)."""
    answer = call(lambda: client("ses").describe_active_receipt_rule_set())
    return {key: answer[key] for key in ("Metadata", "Rules") if key in answer}


def s3_object(bucket: str, key: str, limit: int) -> bytes:
    """An S3 object's bytes (a message a receipt rule stored), at most ``limit`` + 1 of them."""
    answer = call(lambda: client("s3").get_object(Bucket=bucket, Key=key), "S3")
    with answer["Body"] as body:
        data: bytes = call(lambda: body.read(limit + 1), "S3")  # botocore's StreamingBody
        return data


def topic_region(topic_arn: str) -> str | None:
    """The region part of arn:aws:sns:REGION:ACCOUNT:NAME."""
    parts = topic_arn.split(":")
    return parts[3] if len(parts) == 6 and parts[3] else None


def _all_subscriptions(topic_arn: str) -> list[dict[str, Any]]:
    sns = client("sns", topic_region(topic_arn))
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    return [item for page in pages for item in page.get("Subscriptions", [])]


def _destination(item: dict[str, Any]) -> EventDestination:
    types = frozenset(kind.capitalize() for kind in item.get("MatchingEventTypes", []))
    return EventDestination(item.get("Name", ""), item["SnsDestination"]["TopicArn"], types)
