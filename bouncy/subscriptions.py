"""Service: act on stored SubscriptionConfirmation / UnsubscribeConfirmation messages."""

from __future__ import annotations

import logging

from django.db.models import QuerySet
from django.utils import timezone

from bouncy import sns
from bouncy.conf import get_settings
from bouncy.exceptions import SubscriptionError, UnknownTopic, shown
from bouncy.models import Notification

logger = logging.getLogger(__name__)
CONFIRM_COMMAND = "python manage.py bouncy_confirm_subscription"


def handle(notification: Notification) -> str:
    """Confirm (BOUNCY_AUTO_SUBSCRIBE) or log a new confirmation message; returns what was done."""
    if notification.type == Notification.Type.UNSUBSCRIBE_CONFIRMATION:
        logger.warning("bouncy: SNS unsubscribed this endpoint from %s (nothing done; resubscribe "
                       "in the SNS console if that was not intended)", notification.topic_arn)
        return "unsubscribe confirmation logged"
    if not get_settings().auto_subscribe:
        logger.warning("bouncy: subscription to %s awaits confirmation: run `%s %s` or open %s",
                       notification.topic_arn, CONFIRM_COMMAND, notification.pk,
                       notification.subscribe_url)
        return "subscription pending confirmation"
    return _auto_confirm(notification)


def pending() -> QuerySet[Notification]:
    """SubscriptionConfirmation messages not yet confirmed, newest first."""
    return Notification.objects.filter(
        type=Notification.Type.SUBSCRIPTION_CONFIRMATION, confirmed_at__isnull=True)


def confirm(notification: Notification) -> str:
    """Fetch the SubscribeURL of an allowed topic, mark it confirmed; return the SubscriptionArn."""
    if notification.topic_arn not in get_settings().topic_arns:
        raise UnknownTopic(f"topic {shown(notification.topic_arn)} is not in BOUNCY_TOPIC_ARN")
    arn = sns.confirm_subscription(notification.subscribe_url)
    notification.confirmed_at = timezone.now()
    notification.save(update_fields=["confirmed_at"])
    logger.info("bouncy: confirmed the subscription to %s (%s)", notification.topic_arn, arn or "?")
    return arn


def _auto_confirm(notification: Notification) -> str:
    try:
        confirm(notification)
    except SubscriptionError as exc:
        logger.error("bouncy: could not confirm the subscription to %s: %s; retry with `%s %s`",
                     notification.topic_arn, exc, CONFIRM_COMMAND, notification.pk)
        return "subscription confirmation failed"
    return "subscription confirmed"
