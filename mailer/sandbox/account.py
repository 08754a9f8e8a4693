"""The simulated account's setup: production access, verified identities, feedback topics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bouncy.events import FeedbackType

RULE_SET = "mailroom-sandbox-replies"


@dataclass(frozen=True)
class Account:
    """What ses_check asks about; by default a production account where all is set up.

    `verified` None means every identity counts as verified; `topic_arn` None means no
    notification topic on any identity and no event destination on any configuration set;
    `access_keys` None means any access key ID is accepted.
    """

    production_access: bool = True
    verified: frozenset[str] | None = None
    topic_arn: str | None = None
    access_keys: frozenset[str] | None = None
    # The active receipt rule's recipients (() = every recipient); None: no active rule set.
    receipt_recipients: tuple[str, ...] | None = ()
    receipt_topic: str | None = None

    @classmethod
    def build(
        cls,
        production_access: bool,
        verified: Iterable[str] | None,
        topic_arn: str | None,
        access_keys: Iterable[str] | None = None,
        receipt_recipients: Iterable[str] | None = (),
        receipt_topic: str | None = None,
    ) -> Account:
        """An Account with identities compared case-insensitively."""
        identities = None if verified is None else frozenset(i.lower() for i in verified)
        keys = None if access_keys is None else frozenset(access_keys)
        rule = None if receipt_recipients is None else tuple(receipt_recipients)
        return cls(production_access, identities, topic_arn, keys, rule, receipt_topic)

    def knows_key(self, access_key: str) -> bool:
        """Whether requests signed with this access key ID are accepted."""
        return self.access_keys is None or access_key in self.access_keys

    def is_verified(self, identity: str) -> bool:
        """Whether SES would report the identity's VerificationStatus as Success."""
        return self.verified is None or identity.lower() in self.verified

    def notification_topics(self) -> dict[str, str]:
        """GetIdentityNotificationAttributes' BounceTopic, ComplaintTopic, DeliveryTopic."""
        if self.topic_arn is None:
            return {}
        return {f"{kind}Topic": self.topic_arn for kind in FeedbackType}

    def event_destinations(self, configuration_set: str) -> list[dict[str, Any]]:
        """GetConfigurationSetEventDestinations (v2) for any configuration set name."""
        if self.topic_arn is None:
            return []
        return [
            {
                "Name": f"{configuration_set}-sns",
                "Enabled": True,
                "MatchingEventTypes": [kind.upper() for kind in FeedbackType],
                "SnsDestination": {"TopicArn": self.topic_arn},
            }
        ]

    def receipt_rule_set(self) -> dict[str, Any] | None:
        """The active receipt rule set: one rule publishing received mail to the topic (SNS)."""
        if self.receipt_recipients is None or self.receipt_topic is None:
            return None
        action = {"SNSAction": {"TopicArn": self.receipt_topic, "Encoding": "Base64"}}
        rule = {"Name": "replies", "Enabled": True, "ScanEnabled": True,
                "Recipients": list(self.receipt_recipients), "Actions": [action]}  # fmt: skip
        return {"Name": RULE_SET, "Rules": [rule]}
