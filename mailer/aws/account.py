"""The SES/SNS account calls ses_check makes (quota, account, identities, topics, subscriptions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from django.conf import settings
from django_ses.conf import settings as ses_settings

from mailer.aws.sending import Quota
from mailer.exceptions import SESError, SESTransientError

T = TypeVar("T")
CONFIG = Config(connect_timeout=5, read_timeout=15, retries={"total_max_attempts": 1})
_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)
_NO_CREDENTIALS = (NoCredentialsError, PartialCredentialsError)
_KINDS = ("Bounce", "Complaint", "Delivery")


@dataclass(frozen=True)
class AccountStatus:
    """SES v2 GetAccount: production access and whether sending is enabled."""

    production_access: bool
    sending_enabled: bool
    enforcement_status: str


@dataclass(frozen=True)
class IdentityTopics:
    """GetIdentityNotificationAttributes for one identity: topic ARN per feedback type."""

    identity: str
    topics: dict[str, str]
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


def region() -> str:
    """AWS_SES_REGION_NAME, as django-ses reads it."""
    return ses_settings.AWS_SES_REGION_NAME


def ses_endpoint() -> str:
    """The SES endpoint URL in use (AWS_SES_ENDPOINT_URL, else the region's)."""
    return ses_settings.AWS_SES_REGION_ENDPOINT_URL


def sns_endpoint() -> str | None:
    """A local SNS (AWS_SNS_ENDPOINT_URL, else AWS_SES_ENDPOINT_URL), or None for AWS's."""
    return getattr(settings, "AWS_SNS_ENDPOINT_URL", None) or settings.AWS_SES_ENDPOINT_URL


def ses_regions() -> list[str]:
    """The regions where boto3 knows an SES endpoint (no network call)."""
    return boto3.session.Session().get_available_regions("ses")


def get_send_quota() -> Quota:
    """SES v1 GetSendQuota (also proves the credentials work)."""
    answer = _call(lambda: _client("ses").get_send_quota())
    return Quota(
        max_send_rate=float(answer["MaxSendRate"]),
        max_24_hour_send=float(answer["Max24HourSend"]),
        sent_last_24_hours=float(answer["SentLast24Hours"]),
    )


def get_account() -> AccountStatus:
    """SES v2 GetAccount."""
    answer = _call(lambda: _client("sesv2").get_account())
    return AccountStatus(
        production_access=bool(answer.get("ProductionAccessEnabled")),
        sending_enabled=bool(answer.get("SendingEnabled")),
        enforcement_status=str(answer.get("EnforcementStatus", "")),
    )


def verification_statuses(identities: list[str]) -> dict[str, str]:
    """VerificationStatus (Success, Pending, Failed, …) of each identity SES knows."""
    answer = _call(
        lambda: _client("ses").get_identity_verification_attributes(Identities=identities)
    )
    found = answer.get("VerificationAttributes", {})
    return {identity: value.get("VerificationStatus", "") for identity, value in found.items()}


def notification_topics(identity: str) -> IdentityTopics:
    """The Bounce/Complaint/Delivery topics set on an identity."""
    answer = _call(
        lambda: _client("ses").get_identity_notification_attributes(Identities=[identity])
    )
    value = answer.get("NotificationAttributes", {}).get(identity, {})
    topics = {kind: value[f"{kind}Topic"] for kind in _KINDS if value.get(f"{kind}Topic")}
    return IdentityTopics(identity, topics, bool(value.get("ForwardingEnabled", True)))


def event_destinations(configuration_set: str) -> list[EventDestination]:
    """The enabled SNS event destinations of a configuration set (SES v2)."""
    answer = _call(
        lambda: _client("sesv2").get_configuration_set_event_destinations(
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
    items = _call(lambda: _all_subscriptions(topic_arn))
    return [
        Subscription(
            item.get("Protocol", ""), item.get("Endpoint", ""), item.get("SubscriptionArn", "")
        )
        for item in items
    ]


def topic_region(topic_arn: str) -> str | None:
    """The region part of arn:aws:sns:REGION:ACCOUNT:NAME."""
    parts = topic_arn.split(":")
    return parts[3] if len(parts) == 6 and parts[3] else None


def _all_subscriptions(topic_arn: str) -> list[dict[str, Any]]:
    client = _client("sns", topic_region(topic_arn))
    pages = client.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    return [item for page in pages for item in page.get("Subscriptions", [])]


def _destination(item: dict[str, Any]) -> EventDestination:
    types = frozenset(kind.capitalize() for kind in item.get("MatchingEventTypes", []))
    return EventDestination(item.get("Name", ""), item["SnsDestination"]["TopicArn"], types)


def _client(service: str, region_name: str | None = None) -> Any:
    """A boto3 client with django-ses's credentials, for SES (its endpoint) or SNS."""
    endpoint = sns_endpoint() if service == "sns" else ses_endpoint()
    credentials = (
        ses_settings.ACCESS_KEY,
        ses_settings.SECRET_KEY,
        ses_settings.SESSION_TOKEN,
        ses_settings.AWS_SESSION_PROFILE,
    )
    return _cached_client(service, region_name or region(), endpoint, credentials)


@lru_cache(maxsize=16)
def _cached_client(
    service: str, region_name: str, endpoint: str | None, credentials: tuple[str | None, ...]
) -> Any:
    """One client per service, region, endpoint and credentials."""
    key, secret, token, profile = credentials
    return _session(profile).client(
        service,
        region_name=region_name,
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=CONFIG,
    )


@lru_cache(maxsize=4)
def _session(profile: str | None) -> boto3.session.Session:
    """A session per profile: it caches the service models every client would load again."""
    return boto3.session.Session(profile_name=profile)


def _call(call: Callable[[], T]) -> T:
    """Run one API call; botocore's errors become SESError with the AWS error code."""
    try:
        return call()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "") or "ClientError"
        raise SESError(f"{code}: {error.get('Message', '') or exc}", code) from exc
    except _NO_CREDENTIALS as exc:
        raise SESError(str(exc), "NoCredentials") from exc
    except _UNREACHABLE as exc:
        raise SESTransientError(str(exc), "ConnectionError") from exc
    except BotoCoreError as exc:
        raise SESError(str(exc), type(exc).__name__) from exc
