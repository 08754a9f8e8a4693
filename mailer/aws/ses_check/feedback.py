"""Service: the SNS side of the setup check (feedback topics, BOUNCY_TOPIC_ARN, subscriptions)."""

from __future__ import annotations

from django.conf import settings

from bouncy.events import FeedbackType
from mailer.aws import account
from mailer.aws.ses_check.report import Finding, denied, ok, problem, skipped
from mailer.exceptions import SESError

WEBHOOK_PATH = "/mail/bouncy/"
FEEDBACK_KINDS = (FeedbackType.BOUNCE, FeedbackType.COMPLAINT)


def check_topics(identity: str) -> tuple[dict[FeedbackType, set[str]], list[Finding]]:
    """The topics receiving bounces and complaints, and whether BOUNCY_TOPIC_ARN lists them."""
    topics: dict[FeedbackType, set[str]] = {kind: set() for kind in FEEDBACK_KINDS}
    found: list[Finding] = []
    forwarding = _identity_topics(identity, topics, found)
    _configuration_set_topics(topics, found)
    for kind, arns in topics.items():
        if not arns:
            found.append(_no_topic(kind, identity, forwarding))
    return topics, found + _allowed(topics)


def _identity_topics(
    identity: str, topics: dict[FeedbackType, set[str]], found: list[Finding]
) -> bool:
    try:
        attributes = account.notification_topics(identity)
    except SESError as exc:
        found.append(denied("ses:GetIdentityNotificationAttributes", exc))
        return False
    for kind in FEEDBACK_KINDS:
        if kind in attributes.topics:
            topics[kind].add(attributes.topics[kind])
    return attributes.forwarding_enabled


def _configuration_set_topics(topics: dict[FeedbackType, set[str]], found: list[Finding]) -> None:
    name = settings.AWS_SES_CONFIGURATION_SET
    if not name:
        return
    try:
        destinations = account.event_destinations(name)
    except SESError as exc:
        found.append(denied(f"ses:GetConfigurationSetEventDestinations on {name}", exc))
        return
    for destination in destinations:
        for kind in FEEDBACK_KINDS:
            if kind in destination.event_types:
                topics[kind].add(destination.topic_arn)


def _no_topic(kind: FeedbackType, identity: str, forwarding: bool) -> Finding:
    where = "only by email to the Return-Path" if forwarding else "nowhere"
    return problem(
        f"{kind.lower()}s of {identity} go {where}: set an SNS topic for {kind} notifications "
        "on the identity (SES console → identity → Notifications) or an SNS event destination "
        "on AWS_SES_CONFIGURATION_SET (docs/deploy.md)"
    )


def _allowed(topics: dict[FeedbackType, set[str]]) -> list[Finding]:
    allowed = set(getattr(settings, "BOUNCY_TOPIC_ARN", ()) or ())
    found = []
    for arn in sorted(set().union(*topics.values())):
        kinds = " and ".join(k.lower() + "s" for k in FEEDBACK_KINDS if arn in topics[k])
        if arn in allowed:
            found.append(ok(f"{kinds} are published on {arn}, listed in BOUNCY_TOPIC_ARN"))
        else:
            found.append(
                problem(
                    f"{kinds} are published on {arn}, which is not in "
                    "BOUNCY_TOPIC_ARN: add it, or the webhook refuses them"
                )
            )
    return found


# --- the webhook subscription -----------------------------------------------------------------


def check_subscriptions(topics: dict[FeedbackType, set[str]]) -> list[Finding]:
    """Each topic delivers to the webhook (confirmed), or to SQS for bouncy_poll_sqs."""
    found: list[Finding] = []
    for arn in sorted(set().union(*topics.values())):
        try:
            subscriptions = account.subscriptions(arn)
        except SESError as exc:
            found.append(_subscription_error(arn, exc))
            if exc.code == "ConnectionError":
                break
            continue
        found.append(_subscription_finding(arn, subscriptions))
    return found


def _subscription_finding(arn: str, subscriptions: list[account.Subscription]) -> Finding:
    webhooks = [s for s in subscriptions if _is_webhook(s)]
    confirmed = [s for s in webhooks if not s.pending]
    if confirmed:
        return ok(f"{arn} delivers to {confirmed[0].endpoint} (subscription confirmed)")
    if webhooks:
        return problem(
            f"the subscription of {webhooks[0].endpoint} to {arn} awaits confirmation: run "
            "python manage.py bouncy_confirm_subscription, or set BOUNCY_AUTO_SUBSCRIBE=true "
            "and request confirmation again in the SNS console"
        )
    queues = [s for s in subscriptions if s.protocol == "sqs" and not s.pending]
    if queues:
        return ok(f"{arn} delivers to the SQS queue {queues[0].endpoint} (bouncy_poll_sqs)")
    return problem(
        f"nothing subscribed to {arn} reaches the webhook: subscribe https://YOURAPP{WEBHOOK_PATH}"
        " (protocol HTTPS) in the SNS console (docs/deploy.md)"
    )


def _is_webhook(subscription: account.Subscription) -> bool:
    path = subscription.endpoint.split("?")[0]
    return subscription.protocol in ("http", "https") and path.endswith(WEBHOOK_PATH)


def _subscription_error(arn: str, exc: SESError) -> Finding:
    if exc.code == "ConnectionError":
        return skipped(
            f"SNS not checked: cannot reach SNS ({exc}); check the "
            f"subscriptions of {arn} in the SNS console"
        )
    if exc.code == "NotFound":
        return problem(
            f"the topic {arn} does not exist: create it, or fix the notification "
            "settings that name it"
        )
    return denied(f"sns:ListSubscriptionsByTopic on {arn}", exc)
