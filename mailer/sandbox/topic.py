"""The sandbox's SNS topic and its one webhook subscription (confirmed, or pending a token)."""

from __future__ import annotations

import secrets
import threading
import uuid
from urllib.parse import urlsplit

from .notifications import ACCOUNT_ID

DEFAULT_TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:mailroom-sandbox-feedback"
PENDING = "PendingConfirmation"


class Topic:
    """The topic ARN, the feedback URL subscribed to it, and the subscription's state.

    The subscription starts confirmed (a local convenience); asking for a
    SubscriptionConfirmation makes it pending until its SubscribeURL is visited.
    """

    def __init__(self, arn: str, endpoint: str | None) -> None:
        self.arn = arn
        self.endpoint = endpoint
        self.subscription_arn = f"{arn}:{uuid.uuid4()}"
        self._lock = threading.Lock()
        self._token: str | None = None
        self._confirmations = 0
        self._subscribed = endpoint is not None

    @property
    def protocol(self) -> str:
        """The subscription protocol as SNS names it: "http" or "https"."""
        return urlsplit(self.endpoint or "").scheme or "http"

    def new_token(self) -> str:
        """Make the subscription pending; the returned token confirms it."""
        with self._lock:
            self._token = secrets.token_hex(64)
            self._subscribed = self.endpoint is not None
            return self._token

    def confirm(self, topic_arn: str, token: str) -> str | None:
        """Confirm with the latest token; the SubscriptionArn, or None if they do not match."""
        with self._lock:
            if topic_arn != self.arn or not token or token != self._token:
                return None
            self._token = None
            self._confirmations += 1
            return self.subscription_arn

    def unsubscribe(self, subscription_arn: str) -> bool:
        """Drop the subscription (SNS's UnsubscribeURL); False if the ARN is not ours."""
        with self._lock:
            if subscription_arn != self.subscription_arn:
                return False
            self._subscribed = False
            return True

    def subscriptions(self) -> list[dict[str, str]]:
        """ListSubscriptionsByTopic's members: the webhook, if subscribed."""
        with self._lock:
            if not self._subscribed:
                return []
            arn = PENDING if self._token else self.subscription_arn
        return [
            {
                "TopicArn": self.arn,
                "Protocol": self.protocol,
                "SubscriptionArn": arn,
                "Owner": ACCOUNT_ID,
                "Endpoint": self.endpoint or "",
            }
        ]

    def describe(self) -> dict[str, object]:
        """The state, for /_sandbox/subscription."""
        with self._lock:
            pending, confirmations = self._token is not None, self._confirmations
            subscribed = self._subscribed
        return {
            "topic_arn": self.arn,
            "endpoint": self.endpoint,
            "subscribed": subscribed,
            "subscription_arn": self.subscription_arn,
            "pending": pending,
            "confirmations": confirmations,
        }
