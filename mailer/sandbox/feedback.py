"""The mailbox simulator's feedback loop: accepted mail → SES JSON → signed SNS → the webhook."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bouncy.envelope import MessageType
from bouncy.inbound import RECEIVED, ReceiptAction

from . import inbound, mime, notifications, simulator, sns_messages
from .feedback_log import PENDING, FeedbackLog, Published
from .publisher import Publisher
from .submission import Submission
from .topic import DEFAULT_TOPIC_ARN, Topic

if TYPE_CHECKING:  # the signing module needs `cryptography`: imported only when first used
    from .signing import Signer


@dataclass(frozen=True)
class FeedbackConfig:
    """Where and how feedback is published."""

    url: str | None = None
    topic_arn: str = DEFAULT_TOPIC_ARN
    signature_version: str = "2"
    delay: float = 0.2
    retries: int = 3
    retry_delay: float = 1.0

    def __post_init__(self) -> None:
        if self.signature_version not in ("1", "2"):
            version = self.signature_version
            raise ValueError(f"signature_version must be '1' or '2', not {version!r}")


class FeedbackHub:
    """Turns simulator sends into signed SNS messages and publishes them (logged either way)."""

    def __init__(self, config: FeedbackConfig) -> None:
        self.config = config
        self.topic = Topic(config.topic_arn, config.url)
        self.log = FeedbackLog()
        self.publisher = Publisher(self.log, config.delay, config.retries, config.retry_delay)
        self.base_url = ""
        self.stored: dict[str, bytes] = {}  # the S3 action's bucket: object key → message
        self._signer: Signer | None = None
        self._signer_lock = threading.Lock()

    def start(self, base_url: str) -> None:
        """Know the sandbox's own URL; make the key now if feedback will be sent."""
        self.base_url = base_url
        if self.config.url:
            self.signer()

    def signer(self) -> Signer:
        """The signing key and certificate, made on first use."""
        with self._signer_lock:
            if self._signer is None:
                from .signing import Signer

                self._signer = Signer()
            return self._signer

    def certificate(self, filename: str) -> bytes | None:
        """The PEM served at /<filename>, if that is our certificate's name."""
        signer = self.signer()
        return signer.pem if filename == signer.filename else None

    def accept(
        self, record: dict[str, Any], submission: Submission, blocked: frozenset[str] = frozenset()
    ) -> None:
        """Publish what the mailbox simulator answers to an accepted send (if anything); the
        `blocked` recipients (on the account's suppression list) bounce instead."""
        if not blocked and not simulator.mentions_simulator(submission.destinations):
            return
        mail = _sent_mail(record, submission)
        event_format = bool(submission.configuration_set)
        for outcome in simulator.outcomes(submission.destinations, blocked):
            ses_json = notifications.ses_message(outcome, mail, time.time(), event_format)
            subject = sns_messages.EVENT_SUBJECT if event_format else None
            message = json.dumps(ses_json, separators=(",", ":"))
            fields = sns_messages.notification(self.topic.arn, message, subject)
            self._publish(fields, outcome.scenario.kind, mail.message_id, outcome.recipients)

    def receive(self, mail: inbound.Inbound) -> dict[str, Any]:
        """Publish a received message as a receipt rule's SNS action would (``Received``)."""
        ses_id = inbound.ses_message_id()
        if mail.action == ReceiptAction.S3:
            self.stored[inbound.object_key(ses_id)] = mail.raw
        ses_json = inbound.received_json(mail, self.topic.arn, ses_id, time.time())
        message = json.dumps(ses_json, separators=(",", ":"))
        fields = sns_messages.notification(self.topic.arn, message, inbound.RECEIPT_SUBJECT)
        recipients = tuple(ses_json["receipt"]["recipients"])
        published = self._publish(fields, RECEIVED, ses_id, recipients)
        return {**published, "ses_message_id": ses_id}

    def request_confirmation(self) -> dict[str, Any]:
        """Send a SubscriptionConfirmation (the subscription is pending until it is visited)."""
        token = self.topic.new_token()
        subscribe_url = (
            f"{self.base_url}/?Action=ConfirmSubscription"
            f"&TopicArn={quote(self.topic.arn, safe='')}&Token={token}"
        )
        fields = sns_messages.subscription_confirmation(self.topic.arn, token, subscribe_url)
        return self._publish(fields, MessageType.SUBSCRIPTION_CONFIRMATION, "", ())

    def redeliver(self, sns_message_id: str) -> None:
        """Deliver a published message again, unchanged (SNS may deliver twice)."""
        entry = self.log.get(sns_message_id)
        if entry is None:
            raise KeyError(f"no published SNS message {sns_message_id}")
        self.log.finish(entry, PENDING)
        self.publisher.publish(entry)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued message has been delivered or given up."""
        return self.publisher.drain(timeout)

    def stop(self) -> None:
        """Stop publishing."""
        self.publisher.stop()

    def _publish(
        self, fields: dict[str, str], kind: str, ses_id: str, recipients: tuple[str, ...]
    ) -> dict[str, Any]:
        signed = sns_messages.sign(
            fields, self.signer(), self.config.signature_version, self.base_url
        )
        if signed["Type"] == MessageType.NOTIFICATION:
            signed["UnsubscribeURL"] = self._unsubscribe_url()
        entry = Published(
            sns_message_id=signed["MessageId"],
            type=signed["Type"],
            kind=kind,
            ses_message_id=ses_id,
            recipients=list(recipients),
            topic_arn=self.topic.arn,
            url=self.config.url,
            body=json.dumps(signed, indent=2),
            headers=sns_messages.headers(signed, self.topic.subscription_arn),
        )
        self.log.add(entry)
        self.publisher.publish(entry)
        return {"sns_message_id": entry.sns_message_id, "url": entry.url}

    def _unsubscribe_url(self) -> str:
        arn = quote(self.topic.subscription_arn, safe="")
        return f"{self.base_url}/?Action=Unsubscribe&SubscriptionArn={arn}"


def _sent_mail(record: dict[str, Any], submission: Submission) -> notifications.SentMail:
    return notifications.SentMail(
        message_id=record["message_id"],
        source=submission.source,
        destination=tuple(submission.destinations),
        headers=tuple(mime.header_fields(submission.raw_bytes())),
        sent_at=record["received_at"],
        region=submission.region,
        configuration_set=submission.configuration_set,
    )
